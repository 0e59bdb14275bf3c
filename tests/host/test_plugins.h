// Where the host tests find the test plugins built by tests/abi (see tests/abi/README.md), and
// helpers to look at what the process has mapped.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include "pio/host/manifest.h"
#include "temp_dir.h"

namespace pio::test {

// <build>/test_plugins: toy-1.0.0/, toy-1.1.0/, loader/<case>/.
inline std::filesystem::path test_plugin_dir() { return PIO_TEST_PLUGIN_DIR; }
// tests/abi/toy_model: a toy model directory (config.json).
inline std::filesystem::path toy_model_dir() { return PIO_TOY_MODEL_DIR; }

inline std::filesystem::path toy_manifest_path(const std::string& version) {
  return test_plugin_dir() / ("toy-" + version) / "plugin_manifest.json";
}
inline host::PluginManifest toy_manifest(const std::string& version) {
  return host::read_manifest(toy_manifest_path(version));
}
inline host::PluginManifest loader_case_manifest(const std::string& name) {
  return host::read_manifest(test_plugin_dir() / "loader" / name / "plugin_manifest.json");
}

// Whether `path` appears in /proc/self/maps, i.e. whether a library loaded from it is mapped.
inline bool is_mapped(const std::filesystem::path& path) {
  return read_file("/proc/self/maps").find(path.string()) != std::string::npos;
}

// The folder of this process's private plugin copies (see host/src/library_copy.h).
inline std::filesystem::path plugin_copy_folder() {
  const char* root = std::getenv("PIO_PLUGIN_CACHE_DIR");
  const std::filesystem::path base = root != nullptr && *root != '\0' ? std::filesystem::path(root)
                                                                      : std::filesystem::temp_directory_path();
  return base / ("pio-plugins-" + std::to_string(::getpid()));
}

// Copies a built plugin folder (manifest + library) to `to`, so a test can load the same build
// from a second path or overwrite it with another build.
inline void copy_plugin_folder(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  std::filesystem::copy(from, to,
                        std::filesystem::copy_options::overwrite_existing | std::filesystem::copy_options::recursive);
}

// The range every logit of each toy build lies in (tests/abi/toy_plugin/toy_model.h): toy 1.0.0
// in [-1, 1), toy 1.1.0 in [1, 3).
inline float toy_logit_offset(const std::string& version) { return version == "1.1.0" ? 2.0f : 0.0f; }

}  // namespace pio::test
