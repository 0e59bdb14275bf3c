// The loader (Plugin::load) on every accept and reject path, and the Model/Session wrappers over
// the toy plugin, including when the library is unloaded.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "pio/host/model.h"
#include "pio/host/plugin.h"
#include "pio/host/session.h"
#include "pio/sdk/error.h"
#include "test_plugins.h"

namespace {

namespace fs = std::filesystem;
using pio::ErrorCode;
using pio::host::Model;
using pio::host::Plugin;
using pio::host::PluginManifest;
using pio::test::loader_case_manifest;
using pio::test::toy_manifest;
using pio::test::toy_model_dir;

// The one-line message of a failing Plugin::load, after checking its code and that it names the library.
std::string load_error(const PluginManifest& manifest, ErrorCode expected) {
  try {
    Plugin::load(manifest);
  } catch (const pio::Error& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(e.code() == expected);
    CHECK(message.find(manifest.library_path.string()) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
    return message;
  }
  FAIL("Plugin::load accepted " << manifest.library_path);
  return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

size_t copies_left() {
  const fs::path folder = pio::test::plugin_copy_folder();
  if (!fs::exists(folder)) return 0;
  return static_cast<size_t>(std::distance(fs::directory_iterator(folder), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("loader rejects each broken plugin with a one-line reason", "[host][loader]") {
  SECTION("table with another ABI major: both versions named") {
    const auto message = load_error(loader_case_manifest("wrong_major"), ErrorCode::kAbiMismatch);
    CHECK(contains(message, "plugin ABI 2.0"));
    CHECK(contains(message, "host ABI 1.0"));
  }
  SECTION("manifest with another ABI major: refused before loading") {
    const auto manifest = loader_case_manifest("manifest_abi_major_2");
    const auto message = load_error(manifest, ErrorCode::kAbiMismatch);
    CHECK(contains(message, "plugin ABI 2.0"));
    CHECK(contains(message, manifest.manifest_path.string()));
  }
  SECTION("entry symbol missing") {
    CHECK(contains(load_error(loader_case_manifest("no_entry"), ErrorCode::kBadFormat),
                   "entry symbol 'pio_plugin_get_api' not found"));
  }
  SECTION("entry returns NULL") {
    CHECK(contains(load_error(loader_case_manifest("null_entry"), ErrorCode::kBadFormat), "returned NULL"));
  }
  SECTION("plugin name differs from the manifest's") {
    const auto message = load_error(loader_case_manifest("name_mismatch"), ErrorCode::kBadFormat);
    CHECK(contains(message, "calls itself 'toy'"));
    CHECK(contains(message, "names 'name_mismatch'"));
  }
  SECTION("undefined symbol at load time") {
    const auto message = load_error(loader_case_manifest("undefined_symbol"), ErrorCode::kBadFormat);
    CHECK(contains(message, "cannot load library"));
    CHECK(contains(message, "pio_test_symbol_nobody_defines"));
  }
  SECTION("library deleted after the manifest was read") {
    pio::test::TempDir dir;
    pio::test::copy_plugin_folder(pio::test::test_plugin_dir() / "toy-1.0.0", dir / "toy");
    const PluginManifest manifest = pio::host::read_manifest(dir / "toy" / "plugin_manifest.json");
    fs::remove(manifest.library_path);
    CHECK(contains(load_error(manifest, ErrorCode::kIo), "cannot open library"));
  }
  SECTION("a file that is not a shared object") {
    pio::test::TempDir dir;
    pio::test::copy_plugin_folder(pio::test::test_plugin_dir() / "toy-1.0.0", dir / "toy");
    const PluginManifest manifest = pio::host::read_manifest(dir / "toy" / "plugin_manifest.json");
    pio::test::write_file(manifest.library_path, "this is not an ELF file");
    CHECK(contains(load_error(manifest, ErrorCode::kBadFormat), "cannot load library"));
  }
  // A refused library is unloaded at once and its private copy deleted.
  CHECK(copies_left() == 0);
}

TEST_CASE("an older-minor table is accepted; what it lacks is unsupported", "[host][loader]") {
  const auto plugin = Plugin::load(loader_case_manifest("old_minor"));
  CHECK(plugin->name() == "old_minor");
  CHECK(plugin->table_size() == offsetof(pio_plugin_api, session_truncate));
  CHECK(plugin->api().session_truncate == nullptr);  // beyond struct_size: not read
  CHECK(plugin->api().session_eval != nullptr);

  const auto model = Model::load(plugin, toy_model_dir());
  auto session = model->create_session();
  const std::vector<pio_token> tokens{5, 6, 7};
  CHECK(session->eval(tokens).size() == model->vocab_size());
  CHECK(session->length() == 3);
  try {
    session->truncate(1);
    FAIL("truncate worked on a table without it");
  } catch (const pio::Error& e) {
    CHECK(e.code() == ErrorCode::kUnsupported);
    CHECK(contains(e.what(), "does not provide session_truncate"));
  }
}

TEST_CASE("a newer-minor table is accepted and its extra members ignored", "[host][loader]") {
  const auto plugin = Plugin::load(loader_case_manifest("new_minor"));
  CHECK(plugin->abi_version_string() == "1.7");
  CHECK(plugin->table_size() > sizeof(pio_plugin_api));
  CHECK(plugin->api().struct_size == sizeof(pio_plugin_api));
  const auto model = Model::load(plugin, toy_model_dir());
  CHECK(model->vocab_size() == 259);
}

TEST_CASE("a manifest with unknown keys loads, with a warning", "[host][loader]") {
  const auto manifest = loader_case_manifest("unknown_keys");
  REQUIRE(manifest.warnings.size() == 1);
  CHECK(contains(manifest.warnings[0], "unknown key 'x_future_field'"));
  CHECK(Plugin::load(manifest)->name() == "unknown_keys");
}

TEST_CASE("the toy plugin through the C++ wrappers", "[host][loader]") {
  const std::string version = GENERATE("1.0.0", "1.1.0");
  const auto plugin = Plugin::load(toy_manifest(version));
  CHECK(plugin->name() == "toy");
  CHECK(plugin->version() == version);
  CHECK(plugin->abi_version_string() == "1.0");
  CHECK(plugin->loaded_path() != plugin->manifest().library_path);  // loaded from a private copy
  CHECK(pio::test::is_mapped(plugin->loaded_path()));

  const auto model = Model::load(plugin, toy_model_dir());
  CHECK(model->vocab_size() == 259);
  CHECK(contains(model->describe_json(), "\"architecture\":\"ToyForCausalLM\""));

  const auto ids = model->tokenize("hi", /*add_special=*/true);
  CHECK(ids == std::vector<pio_token>{0, 'h' + 3, 'i' + 3});
  CHECK(model->detokenize(ids, /*skip_special=*/false) == "<bos>hi");
  CHECK(model->detokenize(ids, /*skip_special=*/true) == "hi");
  CHECK(model->render_chat_template(R"([{"role": "user", "content": "yo"}])", R"({"add_generation_prompt": true})") ==
        "<user>yo<eos><assistant>");

  auto session = model->create_session();
  const auto all = session->eval(ids, pio::host::Logits::kAll);
  REQUIRE(all.size() == 3 * 259);
  const float offset = pio::test::toy_logit_offset(version);
  for (float logit : all) REQUIRE((logit >= offset - 1.0f && logit < offset + 1.0f));
  // The last row of kAll equals kLast after rewinding and replaying the same tokens.
  session->truncate(0);
  CHECK(session->length() == 0);
  const auto last = session->eval(ids, pio::host::Logits::kLast);
  CHECK(std::equal(last.begin(), last.end(), all.end() - 259));
  CHECK(session->eval(std::vector<pio_token>{42}, pio::host::Logits::kNone).empty());
  CHECK(session->length() == 4);
}

TEST_CASE("plugin errors become pio::Error with the plugin's code and message", "[host][loader]") {
  const auto plugin = Plugin::load(toy_manifest("1.0.0"));
  SECTION("model_load of a missing directory") {
    try {
      Model::load(plugin, "/definitely/not/a/model");
      FAIL("no exception");
    } catch (const pio::Error& e) {
      CHECK(e.code() == ErrorCode::kNotFound);
      CHECK(contains(e.what(), "toy: model_load /definitely/not/a/model: "));
      CHECK(contains(e.what(), "config.json"));
    }
  }
  SECTION("unsupported load option") {
    pio::host::ModelLoadOptions options;
    options.options_json = R"({"dtype": "bf16"})";
    try {
      Model::load(plugin, toy_model_dir(), options);
      FAIL("no exception");
    } catch (const pio::Error& e) {
      CHECK(e.code() == ErrorCode::kUnsupported);
      CHECK(contains(e.what(), "dtype \"bf16\" is not supported"));
    }
  }
  SECTION("eval of a token outside the vocabulary") {
    const auto model = Model::load(plugin, toy_model_dir());
    auto session = model->create_session();
    try {
      session->eval(std::vector<pio_token>{100000});
      FAIL("no exception");
    } catch (const pio::Error& e) {
      CHECK(e.code() == ErrorCode::kInvalidArgument);
      CHECK(contains(e.what(), "toy: session_eval: "));
      CHECK(contains(e.what(), "100000"));
    }
    CHECK(session->length() == 0);
  }
}

TEST_CASE("progress and cancellation reach the plugin", "[host][loader]") {
  const auto plugin = Plugin::load(toy_manifest("1.0.0"));
  std::vector<float> fractions;
  std::atomic<bool> cancel{false};
  pio::host::Progress progress;
  progress.on_progress = [&](float fraction, std::string_view) { fractions.push_back(fraction); };
  progress.cancel = &cancel;
  pio::host::ModelLoadOptions options;
  options.progress = &progress;
  CHECK(Model::load(plugin, toy_model_dir(), options) != nullptr);
  REQUIRE_FALSE(fractions.empty());
  CHECK(fractions.back() == 1.0f);

  cancel = true;
  try {
    Model::load(plugin, toy_model_dir(), options);
    FAIL("no exception");
  } catch (const pio::Error& e) {
    CHECK(e.code() == ErrorCode::kCancelled);
  }
}

TEST_CASE("the library stays loaded until the last object made by it is gone", "[host][loader]") {
  auto plugin = Plugin::load(toy_manifest("1.0.0"));
  const fs::path copy = plugin->loaded_path();
  auto model = Model::load(plugin, toy_model_dir());
  auto session = model->create_session();
  plugin.reset();
  model.reset();
  // Only the session is left; it holds its model, which holds the plugin.
  CHECK(pio::test::is_mapped(copy));
  const auto logits = session->eval(std::vector<pio_token>{10, 11});
  CHECK(logits.size() == 259);
  session.reset();
  CHECK_FALSE(pio::test::is_mapped(copy));
  CHECK_FALSE(fs::exists(copy));
}

TEST_CASE("two loads of one library are two images", "[host][loader]") {
  const auto first = Plugin::load(toy_manifest("1.0.0"));
  const auto second = Plugin::load(toy_manifest("1.0.0"));
  CHECK(first->loaded_path() != second->loaded_path());
  CHECK(first->content_hash() == second->content_hash());
  CHECK(first->api().model_load != second->api().model_load);  // different code addresses
  CHECK(pio::test::is_mapped(first->loaded_path()));
  CHECK(pio::test::is_mapped(second->loaded_path()));
}

TEST_CASE("probe_plugins moves libraries that fail to load into rejected", "[host][loader]") {
  auto catalog = pio::host::discover_plugins(std::vector<fs::path>{pio::test::test_plugin_dir() / "loader"});
  const auto probes = pio::host::probe_plugins(catalog);
  std::vector<std::string> ok;
  for (const auto& m : catalog.plugins) ok.push_back(m.name);
  std::sort(ok.begin(), ok.end());
  CHECK(ok == std::vector<std::string>{"new_minor", "old_minor", "unknown_keys"});
  CHECK(probes.size() == 3);
  std::vector<std::string> rejected;
  for (const auto& r : catalog.rejected) rejected.push_back(r.name);
  std::sort(rejected.begin(), rejected.end());
  CHECK(rejected == std::vector<std::string>{"manifest_abi_major_2", "name_mismatch", "no_entry", "null_entry",
                                             "undefined_symbol", "wrong_major"});
}

TEST_CASE("dependencies found through RPATH $ORIGIN are found for the private copy too", "[host][loader]") {
  // Installed plugins reach libtensor_ops.so through $ORIGIN/../../..; the copy lives elsewhere.
  const fs::path folder = PIO_ORIGIN_PLUGIN_DIR;
  const fs::path dependency = folder / "deps" / "libpio_host_test_dependency.so";
  auto plugin = Plugin::load(pio::host::read_manifest(folder / "plugin_manifest.json"));
  CHECK(plugin->loaded_path().parent_path() != folder);
  CHECK(pio::test::is_mapped(dependency));
  auto model = Model::load(plugin, toy_model_dir());
  const auto logits = model->create_session()->eval(std::vector<pio_token>{7, 8, 9});
  for (float logit : logits) REQUIRE((logit >= 4.0f && logit < 6.0f));  // offset 5 from the dependency
  const fs::path copy = plugin->loaded_path();
  model.reset();
  plugin.reset();
  CHECK_FALSE(pio::test::is_mapped(copy));
  CHECK_FALSE(pio::test::is_mapped(dependency));
}
