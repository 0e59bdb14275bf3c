// Plugin loading with Boost.DLL (the only place the host touches the dynamic loader).
#include "pio/host/plugin.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <system_error>
#include <vector>

#include <boost/dll/shared_library.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "library_copy.h"
#include "origin_dependencies.h"
#include "pio/host/logging.h"
#include "pio/sdk/error.h"

namespace pio::host {
namespace {

std::string version_string(uint32_t packed) {
  return fmt::format("{}.{}", PIO_ABI_VERSION_GET_MAJOR(packed), PIO_ABI_VERSION_GET_MINOR(packed));
}

// The smallest table the host can work with: the v1.0 header up to plugin_version, so that the
// plugin can at least be named. Later members are checked one by one (PIO_API_HAS).
constexpr size_t kMinimumTableSize = offsetof(pio_plugin_api, plugin_version) + sizeof(const char*);

[[noreturn]] void refuse_abi(const std::filesystem::path& library, const std::string& plugin_version,
                             const char* source) {
  const std::string message = fmt::format(
      "{}: plugin ABI {} ({}) is incompatible with host ABI {}.{} (different major); not loaded",
      library.string(), plugin_version, source, PIO_ABI_VERSION_MAJOR, PIO_ABI_VERSION_MINOR);
  spdlog::warn("{}", message);
  throw Error(ErrorCode::kAbiMismatch, message);
}

}  // namespace

struct Plugin::Library {
  // Declaration order matters: the image is closed first, then the dependencies opened for it,
  // then its file is deleted.
  LibraryCopy copy;
  std::vector<boost::dll::shared_library> dependencies;  // see origin_dependencies.h
  boost::dll::shared_library image;
};

std::shared_ptr<Plugin> Plugin::load(const PluginManifest& manifest) {
  const std::filesystem::path& library = manifest.library_path;
  if (manifest.abi_major != PIO_ABI_VERSION_MAJOR) {
    refuse_abi(library, manifest.abi_version_string(), fmt::format("manifest {}", manifest.manifest_path.string()).c_str());
  }

  std::shared_ptr<Plugin> plugin(new Plugin());
  plugin->manifest_ = manifest;
  plugin->library_ = std::make_unique<Library>();
  Library& lib = *plugin->library_;
  lib.copy = LibraryCopy::make(library);
  plugin->loaded_path_ = lib.copy.path();
  plugin->content_hash_ = lib.copy.content_hash();
  // Checked on the bytes actually copied, so the file cannot change between check and load.
  if (manifest.sha256 && *manifest.sha256 != plugin->content_hash_) {
    throw_error(ErrorCode::kBadFormat, "{}: SHA-256 {} does not match the manifest's sha256 {} ({})", library.string(),
                plugin->content_hash_, *manifest.sha256, manifest.manifest_path.string());
  }

  // RTLD_NOW: an undefined symbol fails here, as a reason, not later as a crash mid-request.
  // RTLD_LOCAL: two builds of one plugin must not resolve each other's symbols.
  constexpr auto kMode = boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local;
  std::error_code ec;
  // Libraries the original finds through $ORIGIN are opened from there: the copy's $ORIGIN differs.
  for (const std::filesystem::path& dependency : origin_relative_dependencies(lib.copy.path(), library.parent_path())) {
    boost::dll::shared_library dependency_image;
    ::dlerror();
    dependency_image.load(dependency, kMode, ec);
    if (ec || !dependency_image.is_loaded()) {
      const char* reason = ::dlerror();
      throw_error(ErrorCode::kBadFormat, "{}: cannot load its dependency {}: {}", library.string(), dependency.string(),
                  reason != nullptr ? reason : ec.message());
    }
    lib.dependencies.push_back(std::move(dependency_image));
  }
  ::dlerror();  // clear any stale message so the one read below belongs to this load
  lib.image.load(lib.copy.path(), kMode, ec);
  if (ec || !lib.image.is_loaded()) {
    const char* reason = ::dlerror();
    throw_error(ErrorCode::kBadFormat, "{}: cannot load library: {}", library.string(),
                reason != nullptr ? reason : ec.message());
  }
  if (!lib.image.has(PIO_PLUGIN_ENTRY_SYMBOL)) {
    throw_error(ErrorCode::kBadFormat,
                "{}: entry symbol '{}' not found (not a plugin, or not built with pio_add_plugin)",
                library.string(), PIO_PLUGIN_ENTRY_SYMBOL);
  }
  auto& get_api = lib.image.get<const pio_plugin_api*(uint32_t, const pio_host_api*)>(PIO_PLUGIN_ENTRY_SYMBOL);

  plugin->host_api_.struct_size = sizeof(pio_host_api);
  plugin->host_api_.abi_version = PIO_ABI_VERSION;
  // The manifest's name lives as long as the Plugin, i.e. as long as the image.
  plugin->host_api_.user_data = const_cast<char*>(plugin->manifest_.name.c_str());
  plugin->host_api_.log = &host_log_callback;

  const pio_plugin_api* table = get_api(PIO_ABI_VERSION, &plugin->host_api_);
  if (table == nullptr) {
    throw_error(ErrorCode::kBadFormat, "{}: {}() returned NULL (the plugin could not initialise)",
                library.string(), PIO_PLUGIN_ENTRY_SYMBOL);
  }
  // struct_size and abi_version are the first 8 bytes of every major's table: safe to read.
  plugin->table_size_ = table->struct_size;
  plugin->abi_version_ = table->abi_version;
  if (PIO_ABI_VERSION_GET_MAJOR(table->abi_version) != PIO_ABI_VERSION_MAJOR) {
    refuse_abi(library, version_string(table->abi_version), "its function table");
  }
  if (table->struct_size < kMinimumTableSize) {
    throw_error(ErrorCode::kBadFormat, "{}: function table of {} bytes is smaller than the v1.0 header ({} bytes)",
                library.string(), table->struct_size, kMinimumTableSize);
  }
  // Copy only what the plugin declared; members of a newer minor than ours are not seen, and
  // members our minor has but the plugin's lacks stay NULL.
  std::memcpy(&plugin->api_, table, std::min<size_t>(table->struct_size, sizeof(pio_plugin_api)));
  plugin->api_.struct_size = static_cast<uint32_t>(std::min<size_t>(table->struct_size, sizeof(pio_plugin_api)));
  const pio_plugin_api* api = &plugin->api_;

  plugin->name_ = api->plugin_name != nullptr ? api->plugin_name : "";
  plugin->version_ = api->plugin_version != nullptr ? api->plugin_version : "";
  if (plugin->name_ != manifest.name) {
    throw_error(ErrorCode::kBadFormat, "{}: the plugin calls itself '{}' but its manifest {} names '{}'",
                library.string(), plugin->name_, manifest.manifest_path.string(), manifest.name);
  }
  const std::pair<bool, const char*> mandatory[] = {
      {PIO_API_HAS(api, pio_plugin_api, status_code), "status_code"},
      {PIO_API_HAS(api, pio_plugin_api, status_message), "status_message"},
      {PIO_API_HAS(api, pio_plugin_api, status_release), "status_release"},
      {PIO_API_HAS(api, pio_plugin_api, model_load), "model_load"},
      {PIO_API_HAS(api, pio_plugin_api, model_release), "model_release"},
  };
  for (const auto& [present, member] : mandatory) {
    if (!present) {
      throw_error(ErrorCode::kBadFormat, "{}: function table (ABI {}, {} bytes) lacks the mandatory entry '{}'",
                  library.string(), version_string(table->abi_version), table->struct_size, member);
    }
  }
  if (plugin->version_ != manifest.version) {
    spdlog::warn("{}: the plugin reports version '{}' but its manifest says '{}'", library.string(),
                 plugin->version_, manifest.version);
  }
  spdlog::debug("loaded plugin {} {} (ABI {}, {} bytes) from {} as {}", plugin->name_, plugin->version_,
                version_string(plugin->abi_version_), plugin->table_size_, library.string(),
                plugin->loaded_path_.string());
  return plugin;
}

Plugin::~Plugin() {
  // The table points into the image: forget it before the image goes.
  api_ = pio_plugin_api{};
  if (library_ != nullptr && library_->image.is_loaded()) {
    spdlog::debug("unloading plugin {} {} ({})", name_, version_, loaded_path_.string());
  }
  library_.reset();  // dlclose, then delete the copy
}

std::string Plugin::abi_version_string() const { return version_string(abi_version_); }

void Plugin::check(pio_status* status, std::string_view what) const {
  if (status == nullptr) return;
  const auto code = static_cast<ErrorCode>(api_.status_code(status));
  const char* text = api_.status_message(status);
  std::string message = fmt::format("{}: {}: {}", name_, what, text != nullptr ? text : "(no message)");
  api_.status_release(status);
  throw Error(code == ErrorCode::kOk ? ErrorCode::kInternal : code, std::move(message));
}

std::vector<PluginProbe> probe_plugins(PluginCatalog& catalog) {
  std::vector<PluginProbe> probes;
  std::vector<PluginManifest> usable;
  for (PluginManifest& manifest : catalog.plugins) {
    try {
      const auto plugin = Plugin::load(manifest);
      probes.push_back({plugin->name(), plugin->version(), plugin->abi_version_string()});
      usable.push_back(std::move(manifest));
    } catch (const std::exception& e) {
      catalog.rejected.push_back({manifest.manifest_path, manifest.name, e.what()});
    }
  }
  catalog.plugins = std::move(usable);
  return probes;
}

}  // namespace pio::host
