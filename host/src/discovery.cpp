// Plugin discovery: search folders and manifest collection (see discovery.h for the rules).
#include "pio/host/discovery.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include <spdlog/spdlog.h>

#include "pio/sdk/error.h"

namespace pio::host {
namespace {

namespace fs = std::filesystem;

// Manifest files directly in `dir` and one level below it, in a stable (name) order.
std::vector<fs::path> manifests_in(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  if (fs::is_regular_file(dir / kManifestFileName, ec)) found.push_back(dir / kManifestFileName);
  std::vector<fs::path> subdirs;
  for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) subdirs.push_back(it->path());
  }
  if (ec) spdlog::warn("{}: cannot list plugin folder: {}", dir.string(), ec.message());
  std::sort(subdirs.begin(), subdirs.end());
  for (const fs::path& sub : subdirs) {
    if (fs::is_regular_file(sub / kManifestFileName, ec)) found.push_back(sub / kManifestFileName);
  }
  return found;
}

void add_dir(std::vector<fs::path>& dirs, const fs::path& dir) {
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) {
    spdlog::debug("plugin folder {} does not exist; skipped", dir.string());
    return;
  }
  const fs::path canonical = fs::weakly_canonical(dir, ec);
  const fs::path key = ec ? fs::absolute(dir).lexically_normal() : canonical;
  if (std::find(dirs.begin(), dirs.end(), key) == dirs.end()) dirs.push_back(key);
}

}  // namespace

const PluginManifest* PluginCatalog::find(std::string_view name) const {
  for (const PluginManifest& m : plugins) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

fs::path executable_path() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw_error(ErrorCode::kIo, "/proc/self/exe: cannot resolve the executable's path: {}", ec.message());
  return exe;
}

std::vector<fs::path> plugin_search_dirs(const PluginSearchOptions& options) {
  std::vector<fs::path> dirs;
  for (const fs::path& dir : options.extra_dirs) add_dir(dirs, dir);
  if (options.use_environment) {
    if (const char* env = std::getenv("PIO_PLUGIN_PATH"); env != nullptr) {
      std::string_view rest(env);
      while (!rest.empty()) {
        const auto colon = rest.find(':');
        add_dir(dirs, fs::path(std::string(rest.substr(0, colon))));
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
      }
    }
  }
  if (options.use_default_dirs) {
    try {
      const fs::path exe_dir = executable_path().parent_path();
      add_dir(dirs, exe_dir / ".." / "plugins");                               // build tree
      add_dir(dirs, exe_dir / ".." / "lib" / "inference-pio" / "plugins");     // installed
    } catch (const Error& e) {
      spdlog::warn("{}", e.what());
    }
  }
  return dirs;
}

PluginCatalog discover_plugins(const std::vector<fs::path>& dirs) {
  PluginCatalog catalog;
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    catalog.searched_dirs.push_back(dir);
    for (const fs::path& manifest_file : manifests_in(dir)) {
      try {
        PluginManifest manifest = read_manifest(manifest_file);
        for (const std::string& warning : manifest.warnings) spdlog::warn("{}", warning);
        if (const PluginManifest* first = catalog.find(manifest.name); first != nullptr) {
          catalog.rejected.push_back(
              {manifest.manifest_path, manifest.name,
               fmt::format("{}: plugin '{}' is shadowed by {}, found earlier in the search path",
                           manifest.manifest_path.string(), manifest.name,
                           first->manifest_path.string())});
          continue;
        }
        catalog.plugins.push_back(std::move(manifest));
      } catch (const std::exception& e) {
        // The reason already names the file; the name is unknown when the manifest is unreadable.
        catalog.rejected.push_back({fs::absolute(manifest_file).lexically_normal(), {}, e.what()});
      }
    }
  }
  return catalog;
}

PluginCatalog discover_plugins(const PluginSearchOptions& options) {
  return discover_plugins(plugin_search_dirs(options));
}

}  // namespace pio::host
