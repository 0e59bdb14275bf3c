// ServedModels — the models `pio serve` answers for, over host::ModelRegistry, with what the
// server keeps per loaded model: its profile (describe JSON), a pool of idle sessions for
// prompt-prefix reuse, and bookkeeping for the admin API.
//
// Lifetime (the hot-swap contract): a request calls acquire(name) once and keeps the returned
// shared_ptr<ModelInstance> to its end. swap() makes later acquires return the new instance;
// requests holding the old one finish on it, and the old model (its sessions, memory and plugin
// library) is freed when the last holder lets go. unload() removes the name at once; the
// instance dies with its last request. Nothing holds an instance but the table and requests.
//
// Thread-safety: every member of ServedModels may be called from any thread; load/swap/unload
// are serialised with each other (a slow load does not block acquire()). ModelInstance's
// members are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "pio/generation/model_profile.h"
#include "pio/generation/session_evaluator.h"
#include "pio/host/discovery.h"
#include "pio/host/model.h"
#include "pio/host/registry.h"

namespace pio::server {

class ModelInstance;

// A session borrowed from a ModelInstance's pool: returned to the pool (for prefix reuse) when
// the lease ends, unless discard() was called (a failed generation leaves the cache suspect).
class SessionLease {
 public:
  SessionLease(std::shared_ptr<ModelInstance> owner, std::unique_ptr<SessionEvaluator> evaluator);
  SessionLease(SessionLease&&) = default;
  SessionLease& operator=(SessionLease&&) = delete;
  ~SessionLease();
  SessionEvaluator& evaluator() { return *evaluator_; }
  void discard() { evaluator_.reset(); }

 private:
  std::shared_ptr<ModelInstance> owner_;
  std::unique_ptr<SessionEvaluator> evaluator_;
};

// One loaded model as the server serves it.
class ModelInstance : public std::enable_shared_from_this<ModelInstance> {
 public:
  struct Info {
    std::string name;            // the served name
    std::filesystem::path path;  // model directory
    std::string plugin;          // plugin name and version (manifest)
    std::string plugin_version;
    uint64_t instance_id = 0;    // increases with every load/swap of this server
    int64_t loaded_at = 0;       // Unix seconds
    int64_t memory_bytes = 0;    // resident memory growth measured around the load (>= 0)
    int64_t weights_bytes = 0;   // size of the *.safetensors files of the directory
    double load_seconds = 0;
  };

  // `context_length`: 0 = the model's; else the sessions' cap. `idle_sessions`: pool size.
  ModelInstance(Info info, std::shared_ptr<host::Model> model, size_t context_length, size_t idle_sessions);
  // Frees the sessions and the model, then hands freed heap pages back to the system
  // (malloc_trim): after a swap the process shrinks to the models it still serves.
  ~ModelInstance();

  const Info& info() const { return info_; }
  const std::shared_ptr<host::Model>& model() const { return model_; }
  const ModelProfile& profile() const { return profile_; }
  // Positions a session holds (the model's context, capped by the server's option).
  size_t context_length() const { return context_length_; }
  // "pio-<plugin>-<version>-m<instance id>": tells clients which loaded model answered.
  std::string fingerprint() const;

  // An idle session, preferring the one whose cache shares the longest prefix with `prompt`,
  // or a new one. Throws pio::Error when the plugin cannot create a session.
  SessionLease lease_session(std::span<const int32_t> prompt);

  // Requests holding this instance right now (acquire() to release of the handle).
  size_t in_flight() const { return in_flight_.load(); }
  size_t idle_sessions() const;

 private:
  friend class SessionLease;
  friend class InstanceHandle;
  void give_back(std::unique_ptr<SessionEvaluator> evaluator);

  Info info_;
  std::shared_ptr<host::Model> model_;
  ModelProfile profile_;
  size_t context_length_;
  size_t max_idle_;
  std::string session_options_;
  mutable std::mutex pool_mutex_;
  std::vector<std::unique_ptr<SessionEvaluator>> idle_;
  std::atomic<size_t> in_flight_{0};
};

// A request's hold on an instance: counts the request in in_flight() while it lives.
class InstanceHandle {
 public:
  InstanceHandle() = default;
  explicit InstanceHandle(std::shared_ptr<ModelInstance> instance);
  InstanceHandle(InstanceHandle&& other) noexcept = default;
  InstanceHandle& operator=(InstanceHandle&& other) noexcept;
  InstanceHandle(const InstanceHandle&) = delete;
  InstanceHandle& operator=(const InstanceHandle&) = delete;
  ~InstanceHandle();
  ModelInstance* operator->() const { return instance_.get(); }
  ModelInstance& operator*() const { return *instance_; }
  const std::shared_ptr<ModelInstance>& get() const { return instance_; }
  explicit operator bool() const { return instance_ != nullptr; }

 private:
  std::shared_ptr<ModelInstance> instance_;
};

struct ServedModelsOptions {
  host::PluginSearchOptions search;  // plugins are rediscovered before every load and swap
  std::string load_options_json;     // default plugin load options (JSON object; "" = {})
  size_t context_length = 0;         // session cap (0 = the model's)
  size_t idle_sessions = 2;
};

class ServedModels {
 public:
  explicit ServedModels(ServedModelsOptions options);

  // The current instance of `name`; empty when the name is not served.
  InstanceHandle acquire(std::string_view name) const;

  // Loads `path` as `name`. `options_json` (a JSON object, "" = the server's default load
  // options) goes to the plugin; `plugin` forces a plugin by name. Throws pio::Error:
  // kInvalidArgument (name empty or taken), kNotFound (no such directory / no plugin), or the
  // plugin's load error. Nothing changes on failure.
  std::shared_ptr<ModelInstance> load(const std::string& name, const std::filesystem::path& path,
                                      const std::string& options_json = {}, const std::string& plugin = {});

  // Loads `path` and atomically makes it `name`'s model; returns the previous instance. Throws
  // kNotFound when `name` is not served (checked before and after the load) and what load
  // throws; the current model keeps serving on any failure.
  std::shared_ptr<ModelInstance> swap(const std::string& name, const std::filesystem::path& path,
                                      const std::string& options_json = {}, const std::string& plugin = {});

  // Stops serving `name`; its requests finish. Returns the removed instance, or nullptr.
  std::shared_ptr<ModelInstance> unload(const std::string& name);

  // Every served instance, sorted by name.
  std::vector<std::shared_ptr<ModelInstance>> list() const;
  size_t size() const;

  host::ModelRegistry& registry() { return registry_; }

 private:
  std::shared_ptr<ModelInstance> make_instance(const std::string& name, const std::filesystem::path& path,
                                               const std::string& options_json, const std::string& plugin);

  ServedModelsOptions options_;
  host::ModelRegistry registry_;
  std::mutex admin_mutex_;             // serialises load / swap / unload
  mutable std::shared_mutex mutex_;    // guards instances_
  std::map<std::string, std::shared_ptr<ModelInstance>, std::less<>> instances_;
  std::atomic<uint64_t> next_instance_id_{1};
};

}  // namespace pio::server
