// Bad model directories and requests: each a clear pio::Error, never a crash.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "golden.h"
#include "pio/sdk/error.h"

namespace fs = std::filesystem;

namespace {

// A copy of the tied fixture in a fresh temporary directory, to be damaged by a test.
fs::path copy_fixture(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("pio_qwen3_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::copy(pio::test::fixture_dir("qwen3/tied"), dir);
  return dir;
}

void write(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string load_error(const fs::path& dir) {
  try {
    pio::test::load_model("qwen3", dir);
  } catch (const pio::Error& e) {
    fs::remove_all(dir);
    return e.what();
  }
  fs::remove_all(dir);
  return "loaded without error";
}

}  // namespace

TEST_CASE("malformed config.json is reported", "[qwen3][errors]") {
  fs::path dir = copy_fixture("badjson");
  write(dir / "config.json", "{\"hidden_size\": 64,");
  CHECK_THAT(load_error(dir), Catch::Contains("config.json"));
}

TEST_CASE("heads that do not divide are reported", "[qwen3][errors]") {
  fs::path dir = copy_fixture("heads");
  std::ifstream in(dir / "config.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto at = text.find("\"num_key_value_heads\": 2");
  REQUIRE(at != std::string::npos);
  text.replace(at, 24, "\"num_key_value_heads\": 3");
  write(dir / "config.json", text);
  CHECK_THAT(load_error(dir), Catch::Contains("num_key_value_heads"));
}

TEST_CASE("a truncated safetensors file is reported", "[qwen3][errors]") {
  fs::path dir = copy_fixture("truncated");
  fs::resize_file(dir / "model.safetensors", fs::file_size(dir / "model.safetensors") / 2);
  CHECK_THAT(load_error(dir), Catch::Contains("model.safetensors"));
}

TEST_CASE("a context beyond the model's limit is refused", "[qwen3][errors]") {
  auto model = pio::test::load_model("qwen3", pio::test::fixture_dir("qwen3/tied"),
                                     R"({"context_length": 16})");
  auto session = model->create_session();
  std::vector<pio_token> ids(17, 5);
  try {
    session->eval(ids);
    FAIL("17 tokens were accepted by a 16-token context");
  } catch (const pio::Error& e) {
    CHECK(e.code() == pio::ErrorCode::kContextOverflow);
  }
  CHECK(session->length() == 0);
}

TEST_CASE("token ids outside the vocabulary are refused", "[qwen3][errors]") {
  auto model = pio::test::load_model("qwen3", pio::test::fixture_dir("qwen3/tied"));
  auto session = model->create_session();
  std::vector<pio_token> ids = {1, 512};
  CHECK_THROWS_AS(session->eval(ids), pio::Error);
}
