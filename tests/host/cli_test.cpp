// The `pio` executable: --version, plugins --json, inspect, and failures (exit code and message).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "test_plugins.h"

namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `pio <args>` with PIO_PLUGIN_PATH cleared (so only the folders a test names are searched,
// besides the build tree's plugin folder) and captures both streams.
CommandResult run_pio(const std::string& args) {
  pio::test::TempDir dir;
  const std::string command = fmt::format("env -u PIO_PLUGIN_PATH '{}' {} >'{}' 2>'{}'", PIO_EXE, args,
                                          (dir / "out").string(), (dir / "err").string());
  const int status = std::system(command.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = pio::test::read_file(dir / "out");
  result.err = pio::test::read_file(dir / "err");
  return result;
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  INFO(json);
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

const rapidjson::Value* find_by_name(const rapidjson::Value& array, const std::string& name) {
  for (const auto& item : array.GetArray()) {
    if (item["name"].IsString() && name == item["name"].GetString()) return &item;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("pio --version and --help", "[host][cli]") {
  const auto version = run_pio("--version");
  CHECK(version.exit_code == 0);
  CHECK(version.out.find("pio 1.0.0 (plugin ABI 1.0)") != std::string::npos);
  const auto help = run_pio("--help");
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("plugins") != std::string::npos);
  CHECK(help.out.find("inspect") != std::string::npos);
}

TEST_CASE("pio plugins --json lists the toy plugins and the rejected ones", "[host][cli]") {
  const fs::path plugins = pio::test::test_plugin_dir();
  const auto result = run_pio(fmt::format("plugins --json --plugin-dir {} --plugin-dir {}", quoted(plugins / "toy-1.1.0"),
                                          quoted(plugins / "loader")));
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const auto doc = parse(result.out);

  const auto* toy = find_by_name(doc["plugins"], "toy");
  REQUIRE(toy != nullptr);
  CHECK(std::string((*toy)["version"].GetString()) == "1.1.0");
  CHECK(std::string((*toy)["abi_version"].GetString()) == "1.0");
  CHECK((*toy)["loaded"].GetBool());
  REQUIRE((*toy)["architectures"].Size() == 1);
  CHECK(std::string((*toy)["architectures"][0].GetString()) == "ToyForCausalLM");
  CHECK(fs::path((*toy)["library"].GetString()).parent_path() == fs::canonical(plugins / "toy-1.1.0"));
  CHECK(find_by_name(doc["plugins"], "old_minor") != nullptr);

  const auto* wrong_major = find_by_name(doc["rejected"], "wrong_major");
  REQUIRE(wrong_major != nullptr);
  CHECK(std::string((*wrong_major)["reason"].GetString()).find("plugin ABI 2.0") != std::string::npos);
  const auto* undefined = find_by_name(doc["rejected"], "undefined_symbol");
  REQUIRE(undefined != nullptr);
  CHECK(std::string((*undefined)["reason"].GetString()).find("pio_test_symbol_nobody_defines") != std::string::npos);
}

TEST_CASE("pio plugins text output and --no-load", "[host][cli]") {
  const fs::path plugins = pio::test::test_plugin_dir();
  const auto text = run_pio(fmt::format("plugins --plugin-dir {}", quoted(plugins / "toy-1.0.0")));
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("toy 1.0.0  (ABI 1.0)") != std::string::npos);
  CHECK(text.out.find("architectures: ToyForCausalLM") != std::string::npos);

  // Without loading, a library with a bad table passes (only its manifest is checked).
  const auto no_load = run_pio(fmt::format("plugins --json --no-load --plugin-dir {}", quoted(plugins / "loader")));
  REQUIRE(no_load.exit_code == 0);
  const auto doc = parse(no_load.out);
  CHECK(find_by_name(doc["plugins"], "wrong_major") != nullptr);
  CHECK(find_by_name(doc["rejected"], "wrong_major") == nullptr);
}

TEST_CASE("pio inspect a toy model directory", "[host][cli]") {
  const fs::path plugins = pio::test::test_plugin_dir();
  SECTION("json, loaded") {
    const auto result = run_pio(fmt::format("inspect {} --json --plugin-dir {}", quoted(pio::test::toy_model_dir()),
                                            quoted(plugins / "toy-1.0.0")));
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    const auto doc = parse(result.out);
    CHECK(std::string(doc["plugin"]["name"].GetString()) == "toy");
    CHECK(std::string(doc["plugin"]["version"].GetString()) == "1.0.0");
    CHECK(std::string(doc["config"]["model_type"].GetString()) == "toy");
    REQUIRE(doc["describe"].IsObject());
    CHECK(doc["describe"]["vocab_size"].GetInt() == 259);
    CHECK(std::string(doc["describe"]["architecture"].GetString()) == "ToyForCausalLM");
  }
  SECTION("text, --no-load") {
    const auto result = run_pio(fmt::format("inspect {} --no-load --plugin-dir {}", quoted(pio::test::toy_model_dir()),
                                            quoted(plugins / "toy-1.1.0")));
    REQUIRE(result.exit_code == 0);
    CHECK(result.out.find("plugin:  toy 1.1.0") != std::string::npos);
    CHECK(result.out.find("not loaded") != std::string::npos);
  }
}

TEST_CASE("pio failures: non-zero exit code and a one-line error", "[host][cli]") {
  pio::test::TempDir dir;
  auto check_failure = [](const CommandResult& result, const std::string& expected) {
    INFO(result.err);
    CHECK(result.exit_code != 0);
    CHECK(result.err.rfind("pio: error: ", 0) == 0);
    CHECK(result.err.find(expected) != std::string::npos);
    CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
  };
  SECTION("missing model directory") {
    check_failure(run_pio(fmt::format("inspect {}", quoted(dir / "missing"))), "model directory not found");
  }
  SECTION("no config.json") {
    check_failure(run_pio(fmt::format("inspect {}", quoted(dir.path()))), "config.json not found");
  }
  SECTION("no plugin serves the model") {
    pio::test::write_file(dir / "model" / "config.json", R"({"architectures": ["NobodyForCausalLM"]})");
    check_failure(run_pio(fmt::format("inspect {} --plugin-dir {}", quoted(dir / "model"), quoted(dir.path()))),
                  "no plugin serves architectures [NobodyForCausalLM]");
  }
  SECTION("the plugin fails to load the model") {
    pio::test::write_file(dir / "model" / "config.json", R"({"architectures": ["ToyForCausalLM"], "model_type": "toy",
                                                            "fail_on_load": "unsupported"})");
    check_failure(run_pio(fmt::format("inspect {} --plugin-dir {}", quoted(dir / "model"),
                                      quoted(pio::test::test_plugin_dir() / "toy-1.0.0"))),
                  "fail_on_load asked for kUnsupported");
  }
  SECTION("unknown subcommand") {
    const auto result = run_pio("frobnicate");
    CHECK(result.exit_code != 0);
  }
}
