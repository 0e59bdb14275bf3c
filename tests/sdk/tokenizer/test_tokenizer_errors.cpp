// Bad tokenizer files give pio::Error with a message naming the file and the problem.
#include <catch2/catch.hpp>
#include <string>

#include "pio/sdk/error.h"
#include "pio/sdk/tokenizer.h"
#include "tokenizer_test_data.h"

namespace {

std::string tiny_b() {
  return pio::test::read_text_file(pio::test::tokenizer_fixture("tiny_b.json"));
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// Loads `json` and checks the error code and that the message has each of `parts`.
void check_error(const std::string& json, pio::ErrorCode code,
                 std::initializer_list<std::string> parts) {
  try {
    (void)pio::Tokenizer::from_json(json, "bad/tokenizer.json");
    FAIL("no error for the bad tokenizer.json");
  } catch (const pio::Error& e) {
    INFO("message: " << e.what());
    CHECK(e.code() == code);
    CHECK(std::string(e.what()).find("bad/tokenizer.json") != std::string::npos);
    for (const auto& part : parts) CHECK(std::string(e.what()).find(part) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("tokenizer errors: missing file", "[tokenizer][errors]") {
  try {
    (void)pio::Tokenizer::from_file("/nonexistent/dir/tokenizer.json");
    FAIL("no error");
  } catch (const pio::Error& e) {
    CHECK(e.code() == pio::ErrorCode::kIo);
    CHECK(std::string(e.what()).find("/nonexistent/dir/tokenizer.json") != std::string::npos);
  }
  CHECK_THROWS_AS(pio::Tokenizer::from_directory("/nonexistent/dir"), pio::Error);
}

TEST_CASE("tokenizer errors: the unmodified fixture loads", "[tokenizer][errors]") {
  CHECK_NOTHROW(pio::Tokenizer::from_json(tiny_b(), "bad/tokenizer.json"));
}

TEST_CASE("tokenizer errors: malformed JSON", "[tokenizer][errors]") {
  check_error("{\"model\": {\"type\": \"BPE\",", pio::ErrorCode::kBadFormat, {"malformed JSON"});
  check_error("[1, 2]", pio::ErrorCode::kBadFormat, {"not a JSON object"});
  check_error(tiny_b() + "x", pio::ErrorCode::kBadFormat, {"malformed JSON"});
  check_error("{\"version\": \"1.0\"}", pio::ErrorCode::kBadFormat, {"model", "missing"});
  check_error(std::string("{\"a\": \"\xFF\"}"), pio::ErrorCode::kBadFormat, {"malformed JSON"});
}

TEST_CASE("tokenizer errors: unsupported constructs are named", "[tokenizer][errors]") {
  const std::string json = tiny_b();
  check_error(replaced(json, "\"type\": \"BPE\"", "\"type\": \"WordPiece\""),
              pio::ErrorCode::kUnsupported, {"model.type", "WordPiece"});
  check_error(replaced(json, "{\"type\": \"NFD\"}", "{\"type\": \"Lowercase\"}"),
              pio::ErrorCode::kUnsupported, {"normalizer.normalizers[0]", "Lowercase"});
  check_error(replaced(json, "\"type\": \"ByteLevel\", \"add_prefix_space\": false",
                       "\"type\": \"Metaspace\", \"add_prefix_space\": false"),
              pio::ErrorCode::kUnsupported, {"pre_tokenizer.pretokenizers[4]", "Metaspace"});
  check_error(replaced(json, "\"byte_fallback\": false", "\"byte_fallback\": true"),
              pio::ErrorCode::kUnsupported, {"byte_fallback"});
  check_error(replaced(json, "\"dropout\": null", "\"dropout\": 0.1"), pio::ErrorCode::kUnsupported,
              {"dropout"});
  check_error(replaced(json, "\"decoder\": {\"type\": \"ByteLevel\"",
                       "\"decoder\": {\"type\": \"WordPiece\""),
              pio::ErrorCode::kUnsupported, {"decoder", "WordPiece"});
  check_error(replaced(json, "\"truncation\": null", "\"truncation\": {\"max_length\": 8}"),
              pio::ErrorCode::kUnsupported, {"truncation"});
}

TEST_CASE("tokenizer errors: merges and ids that do not fit the vocabulary",
          "[tokenizer][errors]") {
  const std::string json = tiny_b();
  check_error(
      replaced(json, "\"merges\": [[\"a\", \"a\"]", "\"merges\": [[\"a\", \"not-a-token\"]"),
      pio::ErrorCode::kBadFormat, {"model.merges[0]", "not-a-token"});
  check_error(replaced(json, "\"merges\": [[\"a\", \"a\"]", "\"merges\": [\"a a b\""),
              pio::ErrorCode::kBadFormat, {"model.merges[0]"});
  check_error(replaced(json, "\"merges\": [[\"a\", \"a\"]", "\"merges\": [7"),
              pio::ErrorCode::kBadFormat, {"model.merges[0]"});
  check_error(replaced(json, "\"vocab\": {", "\"vocab\": {\"zz-negative\": -4, "),
              pio::ErrorCode::kBadFormat, {"zz-negative", "token id"});
  check_error(replaced(json, "\"vocab\": {", "\"vocab\": {\"zz-huge\": 4000000000, "),
              pio::ErrorCode::kBadFormat, {"zz-huge"});
  check_error(replaced(json, "\"vocab\": {", "\"vocab\": {\"zz-duplicate\": 5, "),
              pio::ErrorCode::kBadFormat, {"id 5", "zz-duplicate"});
  check_error(replaced(json, "\"vocab\": {", "\"vocab\": {\"zz-bad-type\": \"7\", "),
              pio::ErrorCode::kBadFormat, {"zz-bad-type"});
}

TEST_CASE("tokenizer errors: bad regex and bad split behaviour", "[tokenizer][errors]") {
  const std::string json = tiny_b();
  check_error(replaced(json, "{\"Regex\": \"\\\\d+\"}", "{\"Regex\": \"(\\\\d+\"}"),
              pio::ErrorCode::kBadFormat,
              {"pre_tokenizer.pretokenizers[1].pattern", "does not compile"});
  check_error(replaced(json, "\"behavior\": \"Isolated\"", "\"behavior\": \"Sideways\""),
              pio::ErrorCode::kBadFormat, {"Sideways"});
}

TEST_CASE("tokenizer errors: malformed tokenizer_config.json", "[tokenizer][errors]") {
  try {
    (void)pio::Tokenizer::from_json(tiny_b(), "bad/tokenizer.json", "{\"eos_token\": 5}");
    FAIL("no error");
  } catch (const pio::Error& e) {
    CHECK(e.code() == pio::ErrorCode::kBadFormat);
    CHECK(std::string(e.what()).find("tokenizer_config.json") != std::string::npos);
    CHECK(std::string(e.what()).find("eos_token") != std::string::npos);
  }
  const auto tok =
      pio::Tokenizer::from_json(tiny_b(), "ok/tokenizer.json",
                                "{\"eos_token\": {\"content\": \"</s>\"}, \"bos_token\": \"<s>\"}");
  CHECK(tok.eos_token_id() == 1);
  CHECK(tok.bos_token_id() == 0);
  CHECK(tok.pad_token_id() == std::nullopt);
}
