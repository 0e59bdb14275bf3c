// The qwen3 plugin: Qwen3ForCausalLM (dense). Spec: docs/models/qwen3.md.
//
// Qwen3 is the standard pre-norm decoder (pio/sdk/decoder_model.h) with per-head q/k RMSNorm
// before RoPE, GQA, and a SwiGLU MLP in every layer; embeddings are tied in the small models.
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/decoder_model.h"
#include "pio/sdk/layers/mlp.h"
#include "pio/sdk/plugin.h"
#include "pio/sdk/text_frontend.h"
#include "qwen3_config.h"

namespace pio::qwen3 {
namespace {

std::unique_ptr<sdk::Model> load_qwen3(const std::filesystem::path& dir,
                                       const sdk::LoadOptions& options,
                                       const sdk::Progress& progress) {
  Qwen3Config config = Qwen3Config::parse(load_model_config(dir), dir / "config.json");
  sdk::check_decoder_load_options(options, config.dims, "qwen3");
  progress.report(0.0f, "opening checkpoint");
  std::unique_ptr<Checkpoint> checkpoint = Checkpoint::open(dir);
  sdk::TextFrontend frontend = sdk::TextFrontend::load(dir, config.dims);

  const int64_t hidden = config.dims.hidden_size;
  const int64_t intermediate = config.dims.intermediate_size;
  auto mlp = [&](const ops::Context&, const Checkpoint& ckpt, int64_t layer) {
    return std::make_unique<sdk::SwigluFeedForward>(ckpt, fmt::format("model.layers.{}.mlp.", layer),
                                                    hidden, intermediate);
  };
  sdk::DecoderArchitecture arch{.model_type = "qwen3",
                                .default_architecture = "Qwen3ForCausalLM",
                                .dims = config.dims,
                                .rope = config.rope,
                                .qk_norm = true,
                                .thinking_with_template = true,
                                .tools_with_template = true};
  return std::make_unique<sdk::DecoderModel>(std::move(arch), std::move(checkpoint),
                                             std::move(frontend), options, mlp, progress);
}

}  // namespace
}  // namespace pio::qwen3

PIO_PLUGIN("qwen3", "1.0.0", pio::qwen3::load_qwen3)
