// Manifest reader: every validation failure with its message, and a valid manifest's fields.
#include <catch2/catch.hpp>

#include <string>

#include "pio/host/manifest.h"
#include "pio/sdk/error.h"
#include "temp_dir.h"

namespace {

using pio::host::PluginManifest;
using pio::host::read_manifest;
using pio::test::TempDir;
using pio::test::write_file;

constexpr const char* kValid = R"({
  "schema_version": 1,
  "name": "toy",
  "version": "1.2.3",
  "abi_version": "1.0",
  "library": "libpio_toy.so",
  "architectures": ["ToyForCausalLM", "ToyV2ForCausalLM"],
  "model_types": ["toy"],
  "capabilities": ["text", "thinking"],
  "description": "a test plugin",
  "vendor": "Inference-PIO",
  "license": "MIT"
})";

// Writes `json` as <dir>/toy/plugin_manifest.json next to a dummy library file.
std::filesystem::path make_plugin(const TempDir& dir, const std::string& json, bool with_library = true) {
  const auto manifest = dir / "toy" / "plugin_manifest.json";
  write_file(manifest, json);
  if (with_library) write_file(dir / "toy" / "libpio_toy.so", "not really a library");
  return manifest;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

// The error message of read_manifest on `json` (fails the test when it does not throw).
std::string error_of(const std::string& json, pio::ErrorCode expected_code = pio::ErrorCode::kBadFormat,
                     bool with_library = true) {
  TempDir dir;
  const auto manifest = make_plugin(dir, json, with_library);
  try {
    read_manifest(manifest);
  } catch (const pio::Error& e) {
    CHECK(e.code() == expected_code);
    const std::string message = e.what();
    CHECK(message.rfind(manifest.string(), 0) == 0);  // every message starts with the file
    CHECK(message.find('\n') == std::string::npos);   // and is one line
    return message;
  }
  FAIL("read_manifest accepted an invalid manifest");
  return {};
}

}  // namespace

TEST_CASE("a valid manifest is read with every field", "[host][manifest]") {
  TempDir dir;
  const auto file = make_plugin(dir, kValid);
  const PluginManifest m = read_manifest(file);
  CHECK(m.schema_version == 1);
  CHECK(m.name == "toy");
  CHECK(m.version == "1.2.3");
  CHECK(m.abi_major == 1);
  CHECK(m.abi_minor == 0);
  CHECK(m.abi_version_string() == "1.0");
  CHECK(m.library_path == dir / "toy" / "libpio_toy.so");
  CHECK(m.manifest_path == file);
  CHECK(m.architectures == std::vector<std::string>{"ToyForCausalLM", "ToyV2ForCausalLM"});
  CHECK(m.model_types == std::vector<std::string>{"toy"});
  CHECK(m.capabilities == std::vector<std::string>{"text", "thinking"});
  CHECK(m.description == "a test plugin");
  CHECK(m.vendor == "Inference-PIO");
  CHECK(m.license == "MIT");
  CHECK_FALSE(m.sha256.has_value());
  CHECK(m.warnings.empty());
}

TEST_CASE("a single model_type string is accepted", "[host][manifest]") {
  TempDir dir;
  const auto file = make_plugin(dir, replace(kValid, R"("model_types": ["toy"])", R"("model_type": "toy")"));
  CHECK(read_manifest(file).model_types == std::vector<std::string>{"toy"});
}

TEST_CASE("unknown keys are warned about and ignored", "[host][manifest]") {
  TempDir dir;
  const auto file = make_plugin(dir, replace(kValid, R"("license": "MIT")",
                                             R"("license": "MIT", "future_field": {"x": 1}, "another": 2)"));
  const PluginManifest m = read_manifest(file);
  REQUIRE(m.warnings.size() == 2);
  CHECK(m.warnings[0].find("unknown key 'future_field'") != std::string::npos);
  CHECK(m.warnings[0].find(file.string()) != std::string::npos);
  CHECK(m.warnings[1].find("unknown key 'another'") != std::string::npos);
  CHECK(m.name == "toy");
}

TEST_CASE("malformed JSON is rejected with the byte offset", "[host][manifest]") {
  const std::string message = error_of(R"({"schema_version": 1, "name": "toy",)");
  CHECK(message.find("malformed JSON at byte") != std::string::npos);
}

TEST_CASE("a non-object root is rejected", "[host][manifest]") {
  CHECK(error_of("[1, 2]").find("expected a JSON object at the top level, got an array") != std::string::npos);
}

TEST_CASE("each missing required field is named", "[host][manifest]") {
  const char* field = GENERATE("schema_version", "name", "version", "abi_version", "library");
  // Remove the `"field": value,` line from the valid manifest.
  std::string json = kValid;
  const auto start = json.find(std::string("\"") + field + "\"");
  REQUIRE(start != std::string::npos);
  const auto end = json.find('\n', start);
  json.erase(start, end - start);
  const std::string message = error_of(json);
  INFO(message);
  CHECK(message.find(std::string("missing required field '") + field + "'") != std::string::npos);
}

TEST_CASE("wrong types name the JSON pointer and the expected type", "[host][manifest]") {
  SECTION("name is a number") {
    const auto message = error_of(replace(kValid, R"("name": "toy")", R"("name": 7)"));
    CHECK(message.find("/name: expected a string, got a number") != std::string::npos);
  }
  SECTION("schema_version is a string") {
    const auto message = error_of(replace(kValid, R"("schema_version": 1)", R"("schema_version": "1")"));
    CHECK(message.find("/schema_version: expected an integer, got a string") != std::string::npos);
  }
  SECTION("architectures is a string") {
    const auto message =
        error_of(replace(kValid, R"(["ToyForCausalLM", "ToyV2ForCausalLM"])", R"("ToyForCausalLM")"));
    CHECK(message.find("/architectures: expected an array of strings, got a string") != std::string::npos);
  }
  SECTION("an architecture entry is not a string") {
    const auto message = error_of(replace(kValid, R"("ToyV2ForCausalLM")", "true"));
    CHECK(message.find("/architectures/1: expected a string, got a boolean") != std::string::npos);
  }
  SECTION("capabilities is an object") {
    const auto message = error_of(replace(kValid, R"(["text", "thinking"])", R"({"text": true})"));
    CHECK(message.find("/capabilities: expected an array of strings, got an object") != std::string::npos);
  }
}

TEST_CASE("abi_version must be MAJOR.MINOR", "[host][manifest]") {
  const char* bad = GENERATE("1", "1.", ".0", "one.zero", "1.0.0", "1.70000", "-1.0");
  const auto message = error_of(replace(kValid, R"("abi_version": "1.0")", std::string(R"("abi_version": ")") + bad + "\""));
  INFO(message);
  CHECK(message.find("/abi_version: expected \"MAJOR.MINOR\"") != std::string::npos);
}

TEST_CASE("an unsupported schema_version is rejected", "[host][manifest]") {
  const auto message = error_of(replace(kValid, R"("schema_version": 1)", R"("schema_version": 99)"),
                                pio::ErrorCode::kUnsupported);
  CHECK(message.find("/schema_version: 99 is not supported") != std::string::npos);
}

TEST_CASE("a manifest that serves nothing is rejected", "[host][manifest]") {
  std::string json = replace(kValid, R"(["ToyForCausalLM", "ToyV2ForCausalLM"])", "[]");
  json = replace(json, R"(["toy"])", "[]");
  CHECK(error_of(json).find("serves nothing") != std::string::npos);
}

TEST_CASE("the library must exist next to the manifest", "[host][manifest]") {
  SECTION("missing file") {
    const auto message = error_of(kValid, pio::ErrorCode::kNotFound, /*with_library=*/false);
    CHECK(message.find("/library: library file") != std::string::npos);
    CHECK(message.find("libpio_toy.so not found") != std::string::npos);
  }
  SECTION("a path with folders is refused") {
    const auto message = error_of(replace(kValid, R"("libpio_toy.so")", R"("../other/libpio_toy.so")"));
    CHECK(message.find("must be a file name in the manifest's folder") != std::string::npos);
  }
  SECTION("an absolute path is refused") {
    const auto message = error_of(replace(kValid, R"("libpio_toy.so")", R"("/usr/lib/libc.so.6")"));
    CHECK(message.find("must be a file name in the manifest's folder") != std::string::npos);
  }
}

TEST_CASE("a missing manifest file is kNotFound", "[host][manifest]") {
  TempDir dir;
  try {
    read_manifest(dir / "nope" / "plugin_manifest.json");
    FAIL("no exception");
  } catch (const pio::Error& e) {
    CHECK(e.code() == pio::ErrorCode::kNotFound);
    CHECK(std::string(e.what()).find("manifest file not found") != std::string::npos);
  }
}
