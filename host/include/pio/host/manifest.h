// The plugin manifest (plugin_manifest.json) as the host reads it, and its validating reader.
//
// A manifest describes one plugin without loading it: name, version, ABI version, the library file
// next to the manifest, and which checkpoints (`architectures`, `model_type`) it serves. The schema
// is documented in manifests/README.md. The host never loads a library whose manifest is invalid.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pio::host {

// The manifest schema versions this host understands (manifests/README.md).
inline constexpr int kManifestSchemaVersion = 1;

// The name every plugin folder uses for its manifest.
inline constexpr std::string_view kManifestFileName = "plugin_manifest.json";

// A validated manifest. Plain data, freely copyable.
struct PluginManifest {
  std::filesystem::path manifest_path;  // absolute path of the plugin_manifest.json
  std::filesystem::path library_path;   // absolute path of the library (next to the manifest)
  int schema_version = 0;
  std::string name;                      // unique plugin name, e.g. "qwen3"
  std::string version;                   // the plugin's own version, e.g. "1.2.0"
  uint32_t abi_major = 0;                // ABI version the plugin was built against
  uint32_t abi_minor = 0;
  std::vector<std::string> architectures;  // config.json `architectures` values served
  std::vector<std::string> model_types;    // config.json `model_type` values served
  std::vector<std::string> capabilities;   // e.g. "text", "vision", "thinking", "tools"
  std::string description;                 // optional
  std::string vendor;                      // optional
  std::string license;                     // optional
  std::optional<std::string> sha256;       // optional SHA-256 of the library, 64 lowercase hex
                                           // digits; Plugin::load refuses a library that differs
  std::vector<std::string> warnings;       // non-fatal findings (unknown keys), one line each

  // "major.minor", e.g. "1.0".
  std::string abi_version_string() const;
};

// Reads and validates `manifest_file`.
//
// Checks: the file is readable and well-formed JSON; the root is an object; `schema_version` is a
// supported integer; required fields (`name`, `version`, `abi_version`, `library`) are present with
// the right JSON types; `abi_version` is "MAJOR.MINOR"; `architectures` / `model_types` (at least
// one of them non-empty) are arrays of strings; `sha256`, when present, is 64 hex digits;
// `library` is a plain file name (no folders) and the file exists next to the manifest. Unknown keys are recorded in `warnings` and ignored.
//
// Throws pio::Error (kNotFound, kIo, kBadFormat) with a one-line message that starts with the
// manifest path and names the JSON pointer of the offending field, e.g.
// "/p/plugin_manifest.json: /architectures/1: expected a string, got a number".
// Thread-safety: reentrant.
PluginManifest read_manifest(const std::filesystem::path& manifest_file);

// Same checks on JSON text already in memory; `manifest_file` is used to name the file in errors
// and to locate the library. Throws pio::Error as read_manifest does.
PluginManifest parse_manifest(std::string_view json_text, const std::filesystem::path& manifest_file);

}  // namespace pio::host
