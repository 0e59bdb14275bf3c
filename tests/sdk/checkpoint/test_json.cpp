// JsonValue: parse errors with positions, typed getters, defaults, arrays, type errors.
#include <catch2/catch.hpp>

#include "pio/sdk/error.h"
#include "pio/sdk/json.h"
#include "temp_dir.h"

using Catch::Contains;

TEST_CASE("typed getters read config-style JSON", "[json]") {
  auto v = pio::parse_json(R"({"n": 28, "eps": 1e-06, "theta": 1000000.0, "big": 1e6, "tie": true,
      "name": "qwen3", "ids": [151645, 151643], "nested": {"a/b": [1.5, 2]}, "nothing": null})", "cfg.json");
  CHECK(v.get<int64_t>("n") == 28);
  CHECK(v.get<int32_t>("n") == 28);
  CHECK(v.get<double>("eps") == 1e-6);
  CHECK(v.get<double>("n") == 28.0);
  CHECK(v.get<int64_t>("theta") == 1000000);  // integral doubles are accepted as integers
  CHECK(v.get<int64_t>("big") == 1000000);
  CHECK(v.get<bool>("tie"));
  CHECK(v.get<std::string>("name") == "qwen3");
  CHECK(v.get<std::string_view>("name") == "qwen3");
  CHECK(v.get<std::vector<int64_t>>("ids") == std::vector<int64_t>{151645, 151643});
  CHECK(v["nested"].get<std::vector<double>>("a/b") == std::vector<double>{1.5, 2.0});
  CHECK(v["nested"]["a/b"].pointer() == "/nested/a~1b");
  CHECK(v["nested"]["a/b"].at(1).pointer() == "/nested/a~1b/1");
  CHECK(v.get_or<int64_t>("missing", 7) == 7);
  CHECK(v.get_or<int64_t>("nothing", 7) == 7);
  CHECK_FALSE(v.get_optional<double>("nothing"));
  CHECK(v.get_optional<double>("eps").value() == 1e-6);
  CHECK(v.has("nothing"));
  CHECK_FALSE(v.has("missing"));
  CHECK(v.keys().size() == 9);
  CHECK(v["ids"].size() == 2);
  CHECK(v["nested"].dump() == R"({"a/b":[1.5,2]})");
  size_t members = 0;
  v.for_each_member([&](std::string_view, const pio::JsonValue&) { ++members; });
  CHECK(members == 9);
  CHECK(pio::json_quote("a\"b\n") == R"("a\"b\n")");
}

TEST_CASE("type errors name the file, field, expected and actual type", "[json]") {
  auto v = pio::parse_json(R"({"n": "28", "f": 1.5, "o": {"x": [1, "two"]}, "neg": -3, "huge": 9999999999})", "config.json");
  CHECK_THROWS_WITH(v.get<int64_t>("n"), Contains("config.json") && Contains("/n") && Contains("expected an integer") &&
                                              Contains("got string"));
  CHECK_THROWS_WITH(v.get<int64_t>("f"), Contains("/f") && Contains("expected an integer") && Contains("1.5"));
  CHECK_THROWS_WITH(v["o"].get<std::vector<int64_t>>("x"), Contains("/o/x/1") && Contains("got string"));
  CHECK_THROWS_WITH(v.get<std::string>("f"), Contains("expected a string") && Contains("got number"));
  CHECK_THROWS_WITH(v.get<bool>("o"), Contains("expected a bool") && Contains("got object"));
  CHECK_THROWS_WITH(v.get<uint64_t>("neg"), Contains("non-negative"));
  CHECK_THROWS_WITH(v.get<int32_t>("huge"), Contains("32-bit"));
  CHECK_THROWS_WITH(v["o"].at(0), Contains("expected an array"));
  CHECK_THROWS_WITH(v["o"]["x"].at(5), Contains("out of range"));
  try {
    v.get<int64_t>("absent");
    FAIL("no error");
  } catch (const pio::Error& e) {
    CHECK(e.code() == pio::ErrorCode::kNotFound);
    CHECK_THAT(std::string(e.what()), Contains("config.json: missing field /absent"));
  }
}

TEST_CASE("malformed JSON reports offset, line and column", "[json]") {
  try {
    pio::parse_json("{\n  \"a\": 1,\n  \"b\": ]\n}", "bad.json");
    FAIL("no error");
  } catch (const pio::Error& e) {
    CHECK(e.code() == pio::ErrorCode::kBadFormat);
    CHECK_THAT(std::string(e.what()), Contains("bad.json: malformed JSON at offset 19 (line 3, column 8)"));
  }
  CHECK_THROWS_WITH(pio::parse_json("", "empty.json"), Contains("empty.json") && Contains("malformed"));
  CHECK_THROWS_WITH(pio::parse_json("{} x", "trail.json"), Contains("malformed"));
  CHECK_THROWS_WITH(pio::parse_json("{\"a\": NaN}", "nan.json"), Contains("malformed"));
}

TEST_CASE("files: missing, directory, and read", "[json]") {
  pio::test::TempDir dir;
  CHECK_THROWS_WITH(pio::parse_json_file(dir / "none.json"), Contains("none.json") && Contains("not found"));
  CHECK_THROWS_WITH(pio::parse_json_file(dir.path()), Contains("directory"));
  pio::test::write_text(dir / "c.json", R"({"k": [1, 2, 3]})");
  auto v = pio::parse_json_file(dir / "c.json");
  CHECK(v.get<std::vector<int32_t>>("k") == std::vector<int32_t>{1, 2, 3});
  CHECK(v.source() == (dir / "c.json").string());
}

TEST_CASE("values outlive the handle they were taken from", "[json]") {
  pio::JsonValue inner;
  {
    auto doc = pio::parse_json(R"({"a": {"b": "kept"}})", "x");
    inner = doc["a"];
  }
  CHECK(inner.get<std::string>("b") == "kept");
  pio::JsonValue empty;
  CHECK_FALSE(empty.is_valid());
  CHECK_THROWS_AS(empty.type(), pio::Error);
}

TEST_CASE("numbers with huge exponents are refused before RapidJSON sees them", "[json]") {
  // RapidJSON 1.1 reads out of bounds on such exponents (found by fuzzing the safetensors header).
  try {
    pio::parse_json(R"({"shape": [1e-536870907]})", "hostile.json");
    FAIL("a 9-digit exponent was accepted");
  } catch (const pio::Error& e) {
    CHECK(e.code() == pio::ErrorCode::kBadFormat);
    CHECK_THAT(e.what(), Catch::Contains("hostile.json") && Catch::Contains("out of range"));
  }
  const std::string long_mantissa = "{\"x\": 2" + std::string(100, '8') + ".0e-366}";
  CHECK_THROWS_AS(pio::parse_json(long_mantissa, "hostile.json"), pio::Error);
  CHECK(pio::parse_json(R"({"eps": 1e-06, "big": 1.5E+300, "text": "1e999999999"})", "ok.json")
            .get<double>("eps") == 1e-06);
}
