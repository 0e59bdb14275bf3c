// `pio inspect MODEL_DIR [--json] [--no-load]`: which plugin serves a model directory and, after
// loading it, the model's describe() JSON.
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "command.h"
#include "json_output.h"
#include "pio/host/discovery.h"
#include "pio/host/model.h"
#include "pio/host/plugin.h"
#include "pio/host/plugin_selection.h"
#include "pio/sdk/error.h"

namespace pio::cli {
namespace {

struct InspectOptions {
  std::filesystem::path model_dir;
  bool json = false;
  bool no_load = false;
  std::string plugin;        // force a plugin by name
  std::string load_options;  // JSON passed to model_load
};

int run_inspect(const InspectOptions& options, const GlobalOptions& global) {
  const host::PluginCatalog catalog = host::discover_plugins(global.search_options());
  const host::ModelIdentity identity = host::read_model_identity(options.model_dir);
  const host::PluginManifest* manifest = nullptr;
  if (!options.plugin.empty()) {
    manifest = catalog.find(options.plugin);
    if (manifest == nullptr) throw_error(ErrorCode::kNotFound, "plugin '{}' not found (see `pio plugins`)", options.plugin);
  } else {
    manifest = &host::select_plugin(catalog, identity);
  }

  std::shared_ptr<host::Plugin> plugin;
  std::shared_ptr<host::Model> model;
  if (!options.no_load) {
    plugin = host::Plugin::load(*manifest);
    host::ModelLoadOptions load_options;
    load_options.options_json = options.load_options;
    model = host::Model::load(plugin, options.model_dir, load_options);
  }

  if (options.json) {
    JsonOut json;
    json.begin_object();
    json.key("model_dir").string(std::filesystem::absolute(options.model_dir).lexically_normal().string());
    json.key("config").begin_object();
    json.key("architectures").string_array(identity.architectures);
    json.key("model_type").string(identity.model_type);
    json.end_object();
    json.key("plugin").begin_object();
    json.key("name").string(manifest->name);
    json.key("version").string(plugin != nullptr ? plugin->version() : manifest->version);
    json.key("abi_version").string(plugin != nullptr ? plugin->abi_version_string() : manifest->abi_version_string());
    json.key("manifest").string(manifest->manifest_path.string());
    json.key("library").string(manifest->library_path.string());
    json.end_object();
    json.key("describe");
    if (model != nullptr && !model->describe_json().empty()) json.raw(model->describe_json()); else json.null();
    json.end_object();
    std::fputs(json.str().c_str(), stdout);
    return 0;
  }

  std::string out;
  out += fmt::format("model:   {}\n", options.model_dir.string());
  out += fmt::format("config:  architectures [{}], model_type '{}'\n", fmt::join(identity.architectures, ", "),
                     identity.model_type);
  out += fmt::format("plugin:  {} {} (ABI {})\n", manifest->name,
                     plugin != nullptr ? plugin->version() : manifest->version,
                     plugin != nullptr ? plugin->abi_version_string() : manifest->abi_version_string());
  out += fmt::format("library: {}\n", manifest->library_path.string());
  if (model != nullptr) {
    JsonOut pretty;
    pretty.raw(model->describe_json().empty() ? std::string_view("null") : std::string_view(model->describe_json()));
    out += "describe:\n" + pretty.str();
  } else {
    out += "describe: (not loaded: --no-load)\n";
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace

Command add_inspect_command(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* sub = app.add_subcommand("inspect", "Show which plugin serves a model directory and describe the model");
  sub->add_option("MODEL_DIR", options->model_dir, "Hugging Face model directory (with config.json)")->required();
  sub->add_flag("--json", options->json, "Print JSON instead of text");
  sub->add_flag("--no-load", options->no_load, "Only choose the plugin; do not load the library or the model");
  sub->add_option("--plugin", options->plugin, "Use this plugin instead of choosing one from config.json");
  sub->add_option("--load-options", options->load_options,
                  "JSON object passed to the plugin's model_load, e.g. '{\"dtype\":\"f32\"}'");
  return {sub, [options, &global] { return run_inspect(*options, global); }};
}

}  // namespace pio::cli
