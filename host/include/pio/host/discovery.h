// Plugin discovery: where the host looks for plugin_manifest.json files, and what it found there.
//
// Search order (first match of a plugin name wins, like PATH; later ones are reported as shadowed):
//   1. folders given explicitly (`--plugin-dir`), in order;
//   2. every folder on PIO_PLUGIN_PATH (colon-separated), in order;
//   3. the build tree's plugin folder, `<exe_dir>/../plugins`;
//   4. the installed plugin folder, `<exe_dir>/../lib/inference-pio/plugins`.
// Each folder is searched one level deep: `<dir>/plugin_manifest.json` itself (a folder that is one
// plugin) and `<dir>/<sub>/plugin_manifest.json` for each sub-folder, in name order.
// Discovery reads manifests only; it loads no library (see probe_plugins in plugin.h for that).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pio/host/manifest.h"

namespace pio::host {

// Which folders to search. Defaults: environment and executable-relative folders on.
struct PluginSearchOptions {
  std::vector<std::filesystem::path> extra_dirs;  // searched first, e.g. from --plugin-dir
  bool use_environment = true;                    // read PIO_PLUGIN_PATH
  bool use_default_dirs = true;                   // the build-tree and installed folders
};

// A plugin that was found but cannot be used, with a one-line reason that names the file.
struct RejectedPlugin {
  std::filesystem::path manifest_path;
  std::string name;    // the manifest's name when it could be read, else empty
  std::string reason;  // e.g. "/x/plugin_manifest.json: missing required field 'library'"
};

// The result of a discovery: usable plugin manifests and rejected ones, in search order.
struct PluginCatalog {
  std::vector<std::filesystem::path> searched_dirs;  // existing folders that were searched
  std::vector<PluginManifest> plugins;               // valid, unique by name
  std::vector<RejectedPlugin> rejected;

  // The plugin named `name`, or nullptr.
  const PluginManifest* find(std::string_view name) const;
};

// The absolute path of the running executable (/proc/self/exe). Throws pio::Error (kIo) when the
// link cannot be read.
std::filesystem::path executable_path();

// The folders to search, in order, without duplicates (compared after canonicalisation); folders
// that do not exist are left out. Thread-safety: reentrant (reads the environment).
std::vector<std::filesystem::path> plugin_search_dirs(const PluginSearchOptions& options);

// Reads every manifest in `dirs` (see the search rules above). Never throws for a bad plugin: each
// invalid manifest becomes a RejectedPlugin; warnings (unknown keys) are logged.
PluginCatalog discover_plugins(const std::vector<std::filesystem::path>& dirs);

// plugin_search_dirs + discover_plugins.
PluginCatalog discover_plugins(const PluginSearchOptions& options);

}  // namespace pio::host
