// The qwen3 plugin's entry: loads a Qwen3ForCausalLM checkpoint directory.
#include <filesystem>
#include <memory>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/error.h"
#include "pio/sdk/model_config.h"
#include "pio/sdk/plugin.h"
#include "pio/sdk/text_frontend.h"
#include "qwen3_config.h"
#include "qwen3_model.h"

namespace pio::qwen3 {
namespace {

void check_options(const sdk::LoadOptions& options) {
  if (options.load_in_4bit) {
    throw_error(ErrorCode::kUnsupported, "qwen3: load_in_4bit is not supported yet");
  }
  if (options.device != "auto" && options.device != "cpu") {
    throw_error(ErrorCode::kUnsupported,
                "qwen3: device '{}' is not supported yet; this version runs on the CPU",
                options.device);
  }
  // Weights are always computed in their checkpoint dtype with f32 activations.
  if (options.dtype != "auto" && options.dtype != "f32") {
    throw_error(ErrorCode::kUnsupported,
                "qwen3: dtype '{}' is not supported; weights stay in the checkpoint's dtype and "
                "activations are f32 ('auto')",
                options.dtype);
  }
}

std::unique_ptr<sdk::Model> load_qwen3(const std::filesystem::path& dir,
                                       const sdk::LoadOptions& options,
                                       const sdk::Progress& progress) {
  check_options(options);
  const JsonValue json = load_model_config(dir);
  Qwen3Config config = Qwen3Config::parse(json, dir / "config.json");
  if (options.context_length > config.dims.max_position_embeddings) {
    throw_error(ErrorCode::kInvalidArgument,
                "qwen3: context_length {} exceeds the model's max_position_embeddings {}",
                options.context_length, config.dims.max_position_embeddings);
  }
  progress.report(0.0f, "opening checkpoint");
  std::unique_ptr<Checkpoint> checkpoint = Checkpoint::open(dir);
  progress.throw_if_cancelled("loading qwen3");
  sdk::TextFrontend frontend = sdk::TextFrontend::load(dir, config.dims);
  auto model = std::make_unique<Qwen3Model>(std::move(config), std::move(checkpoint),
                                            std::move(frontend), options);
  progress.report(1.0f, "loaded");
  return model;
}

}  // namespace
}  // namespace pio::qwen3

PIO_PLUGIN("qwen3", "1.0.0", pio::qwen3::load_qwen3)
