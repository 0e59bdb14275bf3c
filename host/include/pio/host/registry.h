// The model registry: named models that can be loaded, swapped and unloaded while in use.
//
// This is the API `pio serve` and the admin endpoints build on. Rules (host/README.md has more):
//  - acquire(name) returns a std::shared_ptr<Model>: the handle keeps that model and its plugin
//    library alive for as long as the caller holds it (and sessions made from it hold it too).
//  - swap(name, ...) replaces the name's model atomically: holders of the old model keep using it
//    and finish on it; every acquire that starts after swap returns gets the new one.
//  - unload(name) removes the name; the model is released when its last holder lets go, and its
//    library is unloaded when the last model of that library is gone.
//  - Loading happens outside the registry's lock, so acquires never wait for a slow load.
// Thread-safety: every member may be called concurrently from any threads.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "pio/host/discovery.h"
#include "pio/host/model.h"
#include "pio/host/plugin.h"

namespace pio::host {

// Loads plugins and shares them: asking twice for a plugin whose library file is unchanged
// returns the same loaded Plugin while it is alive; a changed file (a new build) is loaded as a
// new image next to the old one. Thread-safe.
class PluginLoader {
 public:
  // The loaded plugin of `manifest`, loading it when needed. Throws what Plugin::load throws.
  std::shared_ptr<Plugin> get(const PluginManifest& manifest);

 private:
  std::mutex mutex_;
  // key: library path + content hash. Weak: the loader never keeps a library loaded by itself.
  std::map<std::string, std::weak_ptr<Plugin>> loaded_;
};

// Options of ModelRegistry::load / swap.
struct RegistryLoadOptions {
  ModelLoadOptions model;  // passed to the plugin's model_load
  // Use this plugin (by manifest name) instead of choosing one from config.json.
  std::string plugin;
};

// A snapshot of one registry entry, for listing.
struct RegistryEntry {
  std::string name;
  std::shared_ptr<Model> model;
};

class ModelRegistry {
 public:
  // The registry chooses plugins for model directories from `catalog`.
  explicit ModelRegistry(PluginCatalog catalog = {});

  // Replaces the plugin catalog (e.g. after a rescan); loaded models are not affected.
  void set_catalog(PluginCatalog catalog);
  PluginCatalog catalog() const;

  // Loads `model_dir` (plugin chosen from its config.json, or options.plugin) and registers it
  // as `name`. Throws pio::Error: kInvalidArgument when `name` is empty or already registered
  // (checked again after the load, so two racing loads of one name cannot both win), kNotFound
  // when no plugin serves the directory, or what the plugin's load throws.
  std::shared_ptr<Model> load(const std::string& name, const std::filesystem::path& model_dir,
                              const RegistryLoadOptions& options = {});

  // Registers an already loaded model. Throws kInvalidArgument when `name` is taken or model is null.
  void add(const std::string& name, std::shared_ptr<Model> model);

  // Loads `model_dir` and then atomically makes it the model of `name` (which must exist).
  // Returns the previous model, which lives on while anybody holds it. When the load fails
  // nothing changes and the error is thrown. Throws kNotFound when `name` is not registered
  // (checked before and after the load).
  std::shared_ptr<Model> swap(const std::string& name, const std::filesystem::path& model_dir,
                              const RegistryLoadOptions& options = {});

  // Atomically replaces the model of `name` by `replacement`; returns the previous one.
  // Throws kNotFound when `name` is not registered, kInvalidArgument when replacement is null.
  std::shared_ptr<Model> swap(const std::string& name, std::shared_ptr<Model> replacement);

  // Removes `name`; returns false when it was not registered. The model itself dies with its
  // last holder.
  bool unload(const std::string& name);

  // The current model of `name`. Throws kNotFound (listing the registered names) when absent.
  std::shared_ptr<Model> acquire(const std::string& name) const;
  // The current model of `name`, or nullptr.
  std::shared_ptr<Model> try_acquire(const std::string& name) const;

  // All entries, sorted by name.
  std::vector<RegistryEntry> list() const;

  // Loads a model without registering it (plugin selection as in load()).
  std::shared_ptr<Model> load_unregistered(const std::filesystem::path& model_dir,
                                           const RegistryLoadOptions& options = {});

 private:
  PluginManifest choose_plugin(const std::filesystem::path& model_dir, const std::string& forced) const;

  mutable std::shared_mutex mutex_;  // guards models_ and catalog_
  std::map<std::string, std::shared_ptr<Model>> models_;
  PluginCatalog catalog_;
  PluginLoader loader_;
};

}  // namespace pio::host
