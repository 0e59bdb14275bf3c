// Discovery (search folders, PIO_PLUGIN_PATH, shadowing, rejected manifests) and the choice of a
// plugin for a model directory from its config.json.
#include <catch2/catch.hpp>

#include <cstdlib>

#include <fmt/format.h>

#include "pio/host/discovery.h"
#include "pio/host/plugin_selection.h"
#include "pio/sdk/error.h"
#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;
using pio::test::TempDir;
using pio::test::write_file;

// A manifest named `name` in <root>/<folder>/, with a dummy library.
void add_plugin(const fs::path& root, const std::string& folder, const std::string& name,
                const std::string& architectures, const std::string& model_types = "[]") {
  write_file(root / folder / "plugin_manifest.json",
             fmt::format(R"({{"schema_version": 1, "name": "{}", "version": "1.0.0", "abi_version": "1.0",
                            "library": "libpio_{}.so", "architectures": {}, "model_types": {}}})",
                         name, name, architectures, model_types));
  write_file(root / folder / fmt::format("libpio_{}.so", name), "x");
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_.has_value()) ::setenv(name_, old_->c_str(), 1); else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::vector<std::string> names(const pio::host::PluginCatalog& catalog) {
  std::vector<std::string> out;
  for (const auto& m : catalog.plugins) out.push_back(m.name);
  return out;
}

}  // namespace

TEST_CASE("discovery searches one level deep, in name order, and reports bad manifests", "[host][discovery]") {
  TempDir root;
  add_plugin(root.path(), "b_plugin", "beta", R"(["BetaForCausalLM"])");
  add_plugin(root.path(), "a_plugin", "alpha", R"(["AlphaForCausalLM"])");
  add_plugin(root.path() / "deeper", "nested", "nested", R"(["NestedForCausalLM"])");  // two levels: not found
  write_file(root / "broken" / "plugin_manifest.json", "{ not json");
  write_file(root / "no_manifest" / "README.md", "nothing here");

  const auto catalog = pio::host::discover_plugins(std::vector<fs::path>{root.path()});
  CHECK(names(catalog) == std::vector<std::string>{"alpha", "beta"});
  REQUIRE(catalog.rejected.size() == 1);
  CHECK(catalog.rejected[0].manifest_path == root / "broken" / "plugin_manifest.json");
  CHECK(catalog.rejected[0].reason.find("malformed JSON") != std::string::npos);
  CHECK(catalog.rejected[0].reason.find((root / "broken" / "plugin_manifest.json").string()) != std::string::npos);
  CHECK(catalog.find("alpha") != nullptr);
  CHECK(catalog.find("nested") == nullptr);
}

TEST_CASE("a folder that is itself a plugin is accepted", "[host][discovery]") {
  TempDir root;
  add_plugin(root.path(), "solo", "solo", R"(["SoloForCausalLM"])");
  const auto catalog = pio::host::discover_plugins(std::vector<fs::path>{root / "solo"});
  CHECK(names(catalog) == std::vector<std::string>{"solo"});
}

TEST_CASE("the first plugin of a name wins; later ones are reported as shadowed", "[host][discovery]") {
  TempDir first, second;
  add_plugin(first.path(), "toy", "toy", R"(["ToyForCausalLM"])");
  add_plugin(second.path(), "toy", "toy", R"(["ToyForCausalLM"])");
  const auto catalog = pio::host::discover_plugins(std::vector<fs::path>{first.path(), second.path()});
  REQUIRE(catalog.plugins.size() == 1);
  CHECK(catalog.plugins[0].manifest_path == first / "toy" / "plugin_manifest.json");
  REQUIRE(catalog.rejected.size() == 1);
  CHECK(catalog.rejected[0].name == "toy");
  CHECK(catalog.rejected[0].reason.find("shadowed by") != std::string::npos);
}

TEST_CASE("search folders: --plugin-dir first, then PIO_PLUGIN_PATH, no duplicates", "[host][discovery]") {
  TempDir a, b, c;
  ScopedEnv env("PIO_PLUGIN_PATH", fmt::format("{}:{}::/definitely/not/here:{}", b.path().string(),
                                               c.path().string(), a.path().string()));
  pio::host::PluginSearchOptions options;
  options.extra_dirs = {a.path()};
  options.use_default_dirs = false;
  const auto dirs = pio::host::plugin_search_dirs(options);
  CHECK(dirs == std::vector<fs::path>{fs::canonical(a.path()), fs::canonical(b.path()), fs::canonical(c.path())});

  options.use_environment = false;
  CHECK(pio::host::plugin_search_dirs(options) == std::vector<fs::path>{fs::canonical(a.path())});
}

TEST_CASE("the default folders are relative to the executable", "[host][discovery]") {
  const fs::path exe = pio::host::executable_path();
  CHECK(exe.is_absolute());
  CHECK(fs::exists(exe));
  // The build tree puts test executables in bin/ next to plugins/: when that folder exists, it is searched.
  pio::host::PluginSearchOptions options;
  options.use_environment = false;
  const auto dirs = pio::host::plugin_search_dirs(options);
  const fs::path build_plugins = exe.parent_path() / ".." / "plugins";
  if (fs::is_directory(build_plugins)) {
    REQUIRE_FALSE(dirs.empty());
    CHECK(dirs.front() == fs::canonical(build_plugins));
  }
}

TEST_CASE("a plugin is chosen by architectures first, then model_type", "[host][selection]") {
  TempDir root, model;
  add_plugin(root.path(), "p1", "dense", R"(["DenseForCausalLM"])", R"(["shared_type"])");
  add_plugin(root.path(), "p2", "moe", R"(["MoeForCausalLM"])", R"(["moe"])");
  const auto catalog = pio::host::discover_plugins(std::vector<fs::path>{root.path()});
  REQUIRE(catalog.plugins.size() == 2);

  SECTION("by architecture, in the config's order") {
    write_file(model / "config.json", R"({"architectures": ["Unknown", "MoeForCausalLM"], "model_type": "shared_type"})");
    CHECK(pio::host::select_plugin(catalog, model.path()).name == "moe");
  }
  SECTION("by model_type when no architecture matches") {
    write_file(model / "config.json", R"({"architectures": ["Unknown"], "model_type": "shared_type"})");
    CHECK(pio::host::select_plugin(catalog, model.path()).name == "dense");
  }
  SECTION("nothing serves it") {
    write_file(model / "config.json", R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama"})");
    try {
      pio::host::select_plugin(catalog, model.path());
      FAIL("no exception");
    } catch (const pio::Error& e) {
      CHECK(e.code() == pio::ErrorCode::kNotFound);
      const std::string message = e.what();
      CHECK(message.find((model / "config.json").string()) != std::string::npos);
      CHECK(message.find("no plugin serves architectures [LlamaForCausalLM] / model_type 'llama'") != std::string::npos);
    }
  }
}

TEST_CASE("config.json problems are clear errors", "[host][selection]") {
  TempDir model;
  auto error_of = [&] {
    try {
      pio::host::read_model_identity(model.path());
    } catch (const pio::Error& e) {
      return std::string(e.what());
    }
    FAIL("no exception");
    return std::string();
  };
  SECTION("missing config.json") {
    CHECK(error_of().find("config.json not found") != std::string::npos);
  }
  SECTION("malformed config.json") {
    write_file(model / "config.json", R"({"architectures": [)");
    CHECK(error_of().find("malformed JSON") != std::string::npos);
  }
  SECTION("architectures of the wrong type") {
    write_file(model / "config.json", R"({"architectures": "Qwen3ForCausalLM"})");
    CHECK(error_of().find("/architectures: expected an array of strings") != std::string::npos);
  }
  SECTION("neither field") {
    write_file(model / "config.json", R"({"hidden_size": 8})");
    CHECK(error_of().find("neither 'architectures' nor 'model_type'") != std::string::npos);
  }
  SECTION("missing folder") {
    try {
      pio::host::read_model_identity(model / "missing");
      FAIL("no exception");
    } catch (const pio::Error& e) {
      CHECK(e.code() == pio::ErrorCode::kNotFound);
      CHECK(std::string(e.what()).find("model directory not found") != std::string::npos);
    }
  }
}
