// ModelRegistry and PluginLoader (see registry.h).
#include "pio/host/registry.h"

#include <iterator>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "library_copy.h"
#include "pio/host/plugin_selection.h"
#include "pio/sdk/error.h"

namespace pio::host {

std::shared_ptr<Plugin> PluginLoader::get(const PluginManifest& manifest) {
  // Hash outside the lock: it reads the whole file.
  const std::string key = manifest.library_path.string() + '#' + library_content_hash(manifest.library_path);
  std::lock_guard lock(mutex_);
  for (auto it = loaded_.begin(); it != loaded_.end();) {  // forget plugins that were unloaded
    it = it->second.expired() ? loaded_.erase(it) : std::next(it);
  }
  if (auto it = loaded_.find(key); it != loaded_.end()) {
    if (auto plugin = it->second.lock()) return plugin;
  }
  // Loading under the lock keeps one image per build even when two threads race for it.
  auto plugin = Plugin::load(manifest);
  loaded_[key] = plugin;
  return plugin;
}

ModelRegistry::ModelRegistry(PluginCatalog catalog) : catalog_(std::move(catalog)) {}

void ModelRegistry::set_catalog(PluginCatalog catalog) {
  std::unique_lock lock(mutex_);
  catalog_ = std::move(catalog);
}

PluginCatalog ModelRegistry::catalog() const {
  std::shared_lock lock(mutex_);
  return catalog_;
}

PluginManifest ModelRegistry::choose_plugin(const std::filesystem::path& model_dir, const std::string& forced) const {
  std::shared_lock lock(mutex_);
  if (!forced.empty()) {
    if (const PluginManifest* m = catalog_.find(forced)) return *m;
    throw_error(ErrorCode::kNotFound, "plugin '{}' not found (see `pio plugins`)", forced);
  }
  return select_plugin(catalog_, model_dir);
}

std::shared_ptr<Model> ModelRegistry::load_unregistered(const std::filesystem::path& model_dir,
                                                        const RegistryLoadOptions& options) {
  const PluginManifest manifest = choose_plugin(model_dir, options.plugin);
  return Model::load(loader_.get(manifest), model_dir, options.model);
}

std::shared_ptr<Model> ModelRegistry::load(const std::string& name, const std::filesystem::path& model_dir,
                                           const RegistryLoadOptions& options) {
  if (name.empty()) throw_error(ErrorCode::kInvalidArgument, "model name must not be empty");
  if (try_acquire(name) != nullptr) {  // fail fast, before a long load
    throw_error(ErrorCode::kInvalidArgument, "model '{}' is already loaded (use swap to replace it)", name);
  }
  auto model = load_unregistered(model_dir, options);
  add(name, model);
  spdlog::info("model '{}' loaded from {} by plugin {} {}", name, model_dir.string(), model->plugin()->name(),
               model->plugin()->version());
  return model;
}

void ModelRegistry::add(const std::string& name, std::shared_ptr<Model> model) {
  if (name.empty()) throw_error(ErrorCode::kInvalidArgument, "model name must not be empty");
  if (model == nullptr) throw_error(ErrorCode::kInvalidArgument, "model '{}': no model given", name);
  std::unique_lock lock(mutex_);
  const auto [it, inserted] = models_.emplace(name, std::move(model));
  if (!inserted) {
    throw_error(ErrorCode::kInvalidArgument, "model '{}' is already loaded (use swap to replace it)", name);
  }
}

std::shared_ptr<Model> ModelRegistry::swap(const std::string& name, const std::filesystem::path& model_dir,
                                           const RegistryLoadOptions& options) {
  (void)acquire(name);  // fail fast with kNotFound before a long load
  auto replacement = load_unregistered(model_dir, options);
  auto previous = swap(name, replacement);
  spdlog::info("model '{}' swapped to {} ({} {}, was {} {})", name, model_dir.string(), replacement->plugin()->name(),
               replacement->plugin()->version(), previous->plugin()->name(), previous->plugin()->version());
  return previous;
}

std::shared_ptr<Model> ModelRegistry::swap(const std::string& name, std::shared_ptr<Model> replacement) {
  if (replacement == nullptr) throw_error(ErrorCode::kInvalidArgument, "model '{}': no replacement given", name);
  std::unique_lock lock(mutex_);
  auto it = models_.find(name);
  if (it == models_.end()) throw_error(ErrorCode::kNotFound, "model '{}' is not loaded; nothing to swap", name);
  std::swap(it->second, replacement);
  return replacement;  // the previous model; dropped outside the lock by the caller
}

bool ModelRegistry::unload(const std::string& name) {
  std::shared_ptr<Model> removed;  // released after the lock, so a model_release never runs under it
  {
    std::unique_lock lock(mutex_);
    auto it = models_.find(name);
    if (it == models_.end()) return false;
    removed = std::move(it->second);
    models_.erase(it);
  }
  spdlog::info("model '{}' unloaded ({} other holder(s) keep it alive)", name, removed.use_count() - 1);
  return true;
}

std::shared_ptr<Model> ModelRegistry::try_acquire(const std::string& name) const {
  std::shared_lock lock(mutex_);
  auto it = models_.find(name);
  return it == models_.end() ? nullptr : it->second;
}

std::shared_ptr<Model> ModelRegistry::acquire(const std::string& name) const {
  std::shared_lock lock(mutex_);
  auto it = models_.find(name);
  if (it != models_.end()) return it->second;
  std::vector<std::string> names;
  for (const auto& entry : models_) names.push_back(entry.first);
  throw_error(ErrorCode::kNotFound, "model '{}' is not loaded (loaded: [{}])", name, fmt::join(names, ", "));
}

std::vector<RegistryEntry> ModelRegistry::list() const {
  std::shared_lock lock(mutex_);
  std::vector<RegistryEntry> entries;
  for (const auto& [name, model] : models_) entries.push_back({name, model});
  return entries;
}

}  // namespace pio::host
