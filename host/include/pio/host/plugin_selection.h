// Choosing the plugin that serves a Hugging Face model directory, from its config.json.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pio/host/discovery.h"

namespace pio::host {

// What config.json says the checkpoint is.
struct ModelIdentity {
  std::filesystem::path config_path;       // <model_dir>/config.json
  std::vector<std::string> architectures;  // `architectures`, may be empty
  std::string model_type;                  // `model_type`, may be empty
};

// Reads `<model_dir>/config.json`. Throws pio::Error: kNotFound when the folder or config.json is
// missing; kBadFormat when it is not JSON, not an object, when `architectures` is not an array of
// strings or `model_type` not a string, or when both are absent. Messages name the file.
// Thread-safety: reentrant.
ModelIdentity read_model_identity(const std::filesystem::path& model_dir);

// The plugin of `catalog` that serves `identity`: the first entry of `architectures` (in the
// config's order) that some plugin lists wins; failing that, a plugin listing `model_type`.
// Among plugins serving the same value, the catalog's (search) order decides.
// Throws pio::Error (kNotFound) naming the config file and the values it looked for when no
// plugin serves it. The returned reference points into `catalog`.
const PluginManifest& select_plugin(const PluginCatalog& catalog, const ModelIdentity& identity);

// read_model_identity + select_plugin.
const PluginManifest& select_plugin(const PluginCatalog& catalog, const std::filesystem::path& model_dir);

}  // namespace pio::host
