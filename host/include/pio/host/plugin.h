// A loaded plugin library: the library image, its function table and the host services given to it.
//
// Lifetime: a Plugin is always held by std::shared_ptr. Every Model made through it holds that
// shared_ptr, and every Session holds its Model, so the library is unloaded (dlclose) only after
// the last object created by it has been released.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "pio/host/discovery.h"
#include "pio/host/manifest.h"
#include "pio/plugin_abi.h"

namespace pio::host {

class Plugin : public std::enable_shared_from_this<Plugin> {
 public:
  // Loads the library of `manifest` from a private versioned copy (see host/README.md), resolves
  // pio_plugin_get_api, and checks the table.
  //
  // Refuses, with pio::Error and a one-line message naming the library:
  //   kAbiMismatch  the manifest's or the table's ABI major differs from the host's (both
  //                 versions and the path are in the message, which is also logged);
  //   kBadFormat    the library's SHA-256 differs from the manifest's "sha256" (when given),
  //                 the library cannot be loaded (e.g. an undefined symbol: dlerror's text),
  //                 the entry symbol is missing, the entry returns NULL, the table is smaller
  //                 than the v1.0 header or lacks a mandatory entry (status_*, model_load,
  //                 model_release), or the plugin's own name differs from the manifest's;
  //   kIo           the copy cannot be made.
  // Only the members the table's struct_size covers are read; the rest count as absent (NULL).
  // Thread-safety: any thread; loads of different plugins may run concurrently.
  static std::shared_ptr<Plugin> load(const PluginManifest& manifest);

  ~Plugin();  // unloads the library and deletes the copy
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  const PluginManifest& manifest() const { return manifest_; }
  // The name and version the plugin reports about itself (name == manifest().name).
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  // The table's packed ABI version (major << 16 | minor) and struct_size.
  uint32_t abi_version() const { return abi_version_; }
  uint32_t table_size() const { return table_size_; }
  std::string abi_version_string() const;
  // The path the image was loaded from (the private copy), as it appears in /proc/self/maps.
  const std::filesystem::path& loaded_path() const { return loaded_path_; }
  // SHA-256 of the library's content (64 lowercase hex digits): tells two builds apart.
  const std::string& content_hash() const { return content_hash_; }

  // The plugin's table as the host sees it: a copy of the plugin's bytes up to its struct_size,
  // with every member beyond it zero (so "absent" and "NULL" read the same). Valid while this
  // Plugin lives. Call entries only through the Model/Session wrappers unless you check them.
  const pio_plugin_api& api() const { return api_; }

  // Turns a status from this plugin into an exception: returns when `status` is NULL, otherwise
  // copies its code and message, releases it with this table, and throws pio::Error whose message
  // is "<plugin>: <what>: <plugin's message>". `what` describes the call, e.g. "model_load /m".
  void check(pio_status* status, std::string_view what) const;

 private:
  struct Library;  // Boost.DLL handle, kept out of this header
  Plugin() = default;

  PluginManifest manifest_;
  std::unique_ptr<Library> library_;
  pio_plugin_api api_{};
  pio_host_api host_api_{};  // given to the plugin; must outlive the library image
  std::string name_;
  std::string version_;
  uint32_t abi_version_ = 0;
  uint32_t table_size_ = 0;
  std::filesystem::path loaded_path_;
  std::string content_hash_;
};

// Tries to load every plugin of `catalog` once (then unloads it), moving those that fail into
// `rejected` with the loader's reason. Used by `pio plugins` to report broken libraries.
// Never throws for a bad plugin. Loaded plugins are reported with what the library says; the
// returned `loaded` vector has one entry per plugin still in catalog.plugins, same order.
struct PluginProbe {
  std::string name;     // reported by the plugin
  std::string version;  // reported by the plugin
  std::string abi_version;
};
std::vector<PluginProbe> probe_plugins(PluginCatalog& catalog);

}  // namespace pio::host
