#include "pio/server/served_models.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pio/generation/generator.h"
#include "pio/sdk/error.h"
#include "pio/server/metrics.h"

namespace pio::server {
namespace {

int64_t safetensors_bytes(const std::filesystem::path& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".safetensors" && entry.is_regular_file(ec))
      total += static_cast<int64_t>(entry.file_size(ec));
  }
  return total;
}

}  // namespace

// --- SessionLease ----------------------------------------------------------------------------

SessionLease::SessionLease(std::shared_ptr<ModelInstance> owner, std::unique_ptr<SessionEvaluator> evaluator)
    : owner_(std::move(owner)), evaluator_(std::move(evaluator)) {}

SessionLease::~SessionLease() {
  if (owner_ && evaluator_) owner_->give_back(std::move(evaluator_));
}

// --- ModelInstance ---------------------------------------------------------------------------

ModelInstance::ModelInstance(Info info, std::shared_ptr<host::Model> model, size_t context_length,
                             size_t idle_sessions)
    : info_(std::move(info)),
      model_(std::move(model)),
      profile_(parse_model_profile(model_->describe_json())),
      context_length_(profile_.context_length),
      max_idle_(idle_sessions) {
  if (context_length > 0 && (context_length_ == 0 || context_length < context_length_)) {
    context_length_ = context_length;
    session_options_ = fmt::format(R"({{"context_length": {}}})", context_length);
  }
}

ModelInstance::~ModelInstance() {
  idle_.clear();
  const bool last_holder = model_.use_count() == 1;
  model_.reset();
  // Large buffers of a model (weights, caches) may sit in per-thread malloc arenas that glibc
  // does not shrink by itself.
  if (last_holder) ::malloc_trim(0);
}

std::string ModelInstance::fingerprint() const {
  return fmt::format("pio-{}-{}-m{}", info_.plugin, info_.plugin_version, info_.instance_id);
}

SessionLease ModelInstance::lease_session(std::span<const int32_t> prompt) {
  std::unique_ptr<SessionEvaluator> chosen;
  {
    std::lock_guard lock(pool_mutex_);
    size_t best = 0;
    size_t best_prefix = 0;
    for (size_t i = 0; i < idle_.size(); ++i) {
      const size_t prefix = common_prefix_length(idle_[i]->cached_tokens(), prompt);
      if (!chosen && i == 0) best_prefix = prefix;
      if (prefix > best_prefix) {
        best_prefix = prefix;
        best = i;
      }
    }
    if (!idle_.empty()) {
      chosen = std::move(idle_[best]);
      idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(best));
    }
  }
  if (!chosen) chosen = std::make_unique<SessionEvaluator>(model_->create_session(session_options_), context_length_);
  return SessionLease(shared_from_this(), std::move(chosen));
}

void ModelInstance::give_back(std::unique_ptr<SessionEvaluator> evaluator) {
  std::unique_ptr<SessionEvaluator> dropped;  // freed outside the lock
  std::lock_guard lock(pool_mutex_);
  if (idle_.size() < max_idle_) {
    idle_.push_back(std::move(evaluator));
  } else {
    dropped = std::move(evaluator);
  }
}

size_t ModelInstance::idle_sessions() const {
  std::lock_guard lock(pool_mutex_);
  return idle_.size();
}

// --- InstanceHandle --------------------------------------------------------------------------

InstanceHandle::InstanceHandle(std::shared_ptr<ModelInstance> instance) : instance_(std::move(instance)) {
  if (instance_) ++instance_->in_flight_;
}

InstanceHandle& InstanceHandle::operator=(InstanceHandle&& other) noexcept {
  if (this != &other) {
    if (instance_) --instance_->in_flight_;
    instance_ = std::move(other.instance_);
  }
  return *this;
}

InstanceHandle::~InstanceHandle() {
  if (instance_) --instance_->in_flight_;
}

// --- ServedModels ----------------------------------------------------------------------------

ServedModels::ServedModels(ServedModelsOptions options)
    : options_(std::move(options)), registry_(host::discover_plugins(options_.search)) {}

InstanceHandle ServedModels::acquire(std::string_view name) const {
  std::shared_lock lock(mutex_);
  auto it = instances_.find(name);
  if (it == instances_.end()) return {};
  return InstanceHandle(it->second);
}

std::shared_ptr<ModelInstance> ServedModels::make_instance(const std::string& name, const std::filesystem::path& path,
                                                           const std::string& options_json,
                                                           const std::string& plugin) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec))
    throw_error(ErrorCode::kNotFound, "{}: no such model directory", path.string());
  // A plugin installed or rebuilt since start-up is found; an unchanged library is shared.
  registry_.set_catalog(host::discover_plugins(options_.search));
  host::RegistryLoadOptions load;
  load.plugin = plugin;
  load.model.options_json = options_json.empty() ? options_.load_options_json : options_json;
  const int64_t rss_before = resident_memory_bytes();
  const auto start = std::chrono::steady_clock::now();
  std::shared_ptr<host::Model> model = registry_.load_unregistered(path, load);
  ModelInstance::Info info;
  info.name = name;
  info.path = std::filesystem::absolute(path, ec);
  if (ec) info.path = path;
  info.plugin = model->plugin()->name();
  info.plugin_version = model->plugin()->version();
  info.instance_id = next_instance_id_++;
  info.loaded_at = static_cast<int64_t>(std::time(nullptr));
  info.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  info.memory_bytes = std::max<int64_t>(0, resident_memory_bytes() - rss_before);
  info.weights_bytes = safetensors_bytes(path);
  return std::make_shared<ModelInstance>(std::move(info), std::move(model), options_.context_length,
                                         options_.idle_sessions);
}

std::shared_ptr<ModelInstance> ServedModels::load(const std::string& name, const std::filesystem::path& path,
                                                  const std::string& options_json, const std::string& plugin) {
  std::lock_guard admin(admin_mutex_);
  if (name.empty()) throw_error(ErrorCode::kInvalidArgument, "model name must not be empty");
  {
    std::shared_lock lock(mutex_);
    if (instances_.count(name))
      throw_error(ErrorCode::kInvalidArgument, "model '{}' is already loaded (use swap to replace it)", name);
  }
  auto instance = make_instance(name, path, options_json, plugin);
  registry_.add(name, instance->model());
  {
    std::unique_lock lock(mutex_);
    instances_[name] = instance;
  }
  spdlog::info("serving '{}' from {} ({} {}, {})", name, instance->info().path.string(), instance->info().plugin,
               instance->info().plugin_version, instance->fingerprint());
  return instance;
}

std::shared_ptr<ModelInstance> ServedModels::swap(const std::string& name, const std::filesystem::path& path,
                                                  const std::string& options_json, const std::string& plugin) {
  std::lock_guard admin(admin_mutex_);
  {
    std::shared_lock lock(mutex_);
    if (!instances_.count(name)) throw_error(ErrorCode::kNotFound, "model '{}' is not loaded; nothing to swap", name);
  }
  auto instance = make_instance(name, path, options_json, plugin);
  std::shared_ptr<ModelInstance> previous;
  {
    std::unique_lock lock(mutex_);
    auto it = instances_.find(name);
    if (it == instances_.end()) throw_error(ErrorCode::kNotFound, "model '{}' was unloaded during the swap", name);
    registry_.swap(name, instance->model());
    previous = std::exchange(it->second, instance);
  }
  spdlog::info("swapped '{}' to {} ({} {}, {}); {} request(s) finish on {}", name, instance->info().path.string(),
               instance->info().plugin, instance->info().plugin_version, instance->fingerprint(),
               previous->in_flight(), previous->fingerprint());
  return previous;
}

std::shared_ptr<ModelInstance> ServedModels::unload(const std::string& name) {
  std::lock_guard admin(admin_mutex_);
  std::shared_ptr<ModelInstance> removed;
  {
    std::unique_lock lock(mutex_);
    auto it = instances_.find(name);
    if (it == instances_.end()) return nullptr;
    removed = std::move(it->second);
    instances_.erase(it);
    registry_.unload(name);
  }
  spdlog::info("unloaded '{}' ({} request(s) still finishing on it)", name, removed->in_flight());
  return removed;
}

std::vector<std::shared_ptr<ModelInstance>> ServedModels::list() const {
  std::shared_lock lock(mutex_);
  std::vector<std::shared_ptr<ModelInstance>> out;
  for (const auto& [name, instance] : instances_) out.push_back(instance);
  return out;
}

size_t ServedModels::size() const {
  std::shared_lock lock(mutex_);
  return instances_.size();
}

}  // namespace pio::server
