// `pio plugins [--json] [--no-load]`: every plugin found, with its version, ABI and what it
// serves, or why it was rejected. By default each library is loaded once (and unloaded) to check
// it; --no-load checks the manifests only.
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "command.h"
#include "json_output.h"
#include "pio/host/discovery.h"
#include "pio/host/plugin.h"

namespace pio::cli {
namespace {

struct PluginsOptions {
  bool json = false;
  bool no_load = false;
};

void print_text(const host::PluginCatalog& catalog, const std::vector<host::PluginProbe>& probes) {
  std::string out;
  std::vector<std::string> dirs;
  for (const auto& dir : catalog.searched_dirs) dirs.push_back(dir.string());
  out += fmt::format("Searched: {}\n", dirs.empty() ? std::string("(no plugin folder exists)") : fmt::format("{}", fmt::join(dirs, ", ")));
  out += fmt::format("\n{} plugin(s):\n", catalog.plugins.size());
  for (size_t i = 0; i < catalog.plugins.size(); ++i) {
    const host::PluginManifest& m = catalog.plugins[i];
    const std::string abi = i < probes.size() ? probes[i].abi_version : m.abi_version_string();
    out += fmt::format("  {} {}  (ABI {})\n", m.name, m.version, abi);
    if (!m.architectures.empty()) out += fmt::format("    architectures: {}\n", fmt::join(m.architectures, ", "));
    if (!m.model_types.empty()) out += fmt::format("    model types:   {}\n", fmt::join(m.model_types, ", "));
    if (!m.capabilities.empty()) out += fmt::format("    capabilities:  {}\n", fmt::join(m.capabilities, ", "));
    out += fmt::format("    library:       {}\n", m.library_path.string());
  }
  if (!catalog.rejected.empty()) {
    out += fmt::format("\n{} rejected:\n", catalog.rejected.size());
    for (const host::RejectedPlugin& r : catalog.rejected) out += fmt::format("  {}\n", r.reason);
  }
  std::fputs(out.c_str(), stdout);
}

void print_json(const host::PluginCatalog& catalog, const std::vector<host::PluginProbe>& probes, bool loaded) {
  JsonOut json;
  json.begin_object();
  json.key("search_path").begin_array();
  for (const auto& dir : catalog.searched_dirs) json.string(dir.string());
  json.end_array();
  json.key("plugins").begin_array();
  for (size_t i = 0; i < catalog.plugins.size(); ++i) {
    const host::PluginManifest& m = catalog.plugins[i];
    json.begin_object();
    json.key("name").string(m.name);
    json.key("version").string(m.version);
    json.key("abi_version").string(i < probes.size() ? probes[i].abi_version : m.abi_version_string());
    json.key("loaded").boolean(loaded);  // whether the library was actually opened and checked
    json.key("architectures").string_array(m.architectures);
    json.key("model_types").string_array(m.model_types);
    json.key("capabilities").string_array(m.capabilities);
    json.key("description").string(m.description);
    json.key("vendor").string(m.vendor);
    json.key("license").string(m.license);
    json.key("manifest").string(m.manifest_path.string());
    json.key("library").string(m.library_path.string());
    json.end_object();
  }
  json.end_array();
  json.key("rejected").begin_array();
  for (const host::RejectedPlugin& r : catalog.rejected) {
    json.begin_object();
    json.key("manifest").string(r.manifest_path.string());
    json.key("name");
    if (r.name.empty()) json.null(); else json.string(r.name);
    json.key("reason").string(r.reason);
    json.end_object();
  }
  json.end_array();
  json.end_object();
  std::fputs(json.str().c_str(), stdout);
}

}  // namespace

Command add_plugins_command(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<PluginsOptions>();
  CLI::App* sub = app.add_subcommand("plugins", "List the plugins found, their versions and what they serve, "
                                                "and why any were rejected");
  sub->add_flag("--json", options->json, "Print JSON instead of text");
  sub->add_flag("--no-load", options->no_load, "Check manifests only; do not open the libraries");
  return {sub, [options, &global] {
            host::PluginCatalog catalog = host::discover_plugins(global.search_options());
            std::vector<host::PluginProbe> probes;
            if (!options->no_load) probes = host::probe_plugins(catalog);
            if (options->json) {
              print_json(catalog, probes, !options->no_load);
            } else {
              print_text(catalog, probes);
            }
            return 0;
          }};
}

}  // namespace pio::cli
