#include "model_loading.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "pio/host/discovery.h"
#include "pio/host/progress.h"
#include "pio/host/registry.h"
#include "pio/sdk/error.h"

namespace pio::cli {
namespace {

// "\rloading [##########··········]  50% reading model.safetensors", redrawn at most every 100 ms.
class ProgressBar {
 public:
  void update(float fraction, std::string_view stage) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (fraction < 1.0f && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    constexpr int kWidth = 30;
    const float f = std::clamp(fraction, 0.0f, 1.0f);
    const int filled = static_cast<int>(f * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::string stage_text(stage.substr(0, 40));
    std::fprintf(stderr, "\r\033[Kloading [%s] %3d%% %s", bar.c_str(), static_cast<int>(f * 100), stage_text.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    if (drawn_) std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }

 private:
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

}  // namespace

void add_model_flags(CLI::App* sub, ModelFlags& flags) {
  sub->add_option("--model", flags.model_dir, "Hugging Face model directory (config.json, weights, tokenizer)")
      ->required();
  sub->add_option("--plugin", flags.plugin, "Use this plugin instead of choosing one from config.json");
  sub->add_option("--threads", flags.threads, "CPU threads (0 = all cores)");
  sub->add_option("--context-length", flags.context_length, "Context length in tokens (0 = the model's maximum)");
  sub->add_option("--device", flags.device, "Device: auto, cpu, cuda, cuda:N");
  sub->add_option("--dtype", flags.dtype, "Compute dtype: auto, f32, f16, bf16");
  sub->add_option("--load-options", flags.load_options,
                  "JSON object passed to the plugin's model_load, e.g. '{\"dtype\":\"f32\"}'");
}

std::string load_options_json(const ModelFlags& flags) {
  rapidjson::Document doc;
  if (flags.load_options.empty()) {
    doc.SetObject();
  } else {
    doc.Parse(flags.load_options.c_str());
    if (doc.HasParseError() || !doc.IsObject())
      throw_error(ErrorCode::kInvalidArgument, "--load-options: expected a JSON object, got '{}'", flags.load_options);
  }
  auto& a = doc.GetAllocator();
  auto set = [&](const char* key, rapidjson::Value value) {
    doc.RemoveMember(key);
    doc.AddMember(rapidjson::StringRef(key), value, a);
  };
  if (flags.threads > 0) set("threads", rapidjson::Value(flags.threads));
  if (flags.context_length > 0) set("context_length", rapidjson::Value(static_cast<uint64_t>(flags.context_length)));
  if (!flags.device.empty()) set("device", rapidjson::Value(flags.device.c_str(), a));
  if (!flags.dtype.empty()) set("dtype", rapidjson::Value(flags.dtype.c_str(), a));
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return buffer.GetString();
}

std::shared_ptr<host::Model> load_model(const ModelFlags& flags, const GlobalOptions& global) {
  host::ModelRegistry registry(host::discover_plugins(global.search_options()));
  host::RegistryLoadOptions options;
  options.plugin = flags.plugin;
  options.model.options_json = load_options_json(flags);
  ProgressBar bar;
  host::Progress progress;
  if (::isatty(STDERR_FILENO) && !global.quiet) {
    progress.on_progress = [&bar](float fraction, std::string_view stage) { bar.update(fraction, stage); };
    options.model.progress = &progress;
  }
  try {
    auto model = registry.load_unregistered(flags.model_dir, options);
    bar.clear();
    return model;
  } catch (...) {
    bar.clear();
    throw;
  }
}

}  // namespace pio::cli
