// The qwen3_moe plugin: Qwen3MoeForCausalLM (Qwen3-Coder-30B-A3B and siblings).
// Spec: docs/models/qwen3_moe.md.
//
// The attention half of every layer is Qwen3's (GQA, per-head q/k RMSNorm, RoPE); the
// feed-forward half is a routed mixture of SwiGLU experts — softmax over all experts, top-k,
// optional renormalisation — except in layers that config.json makes dense
// (`mlp_only_layers`, or not a multiple of `decoder_sparse_step`).
#include <algorithm>
#include <filesystem>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/decoder_model.h"
#include "pio/sdk/error.h"
#include "pio/sdk/json.h"
#include "pio/sdk/layers/mlp.h"
#include "pio/sdk/layers/moe.h"
#include "pio/sdk/plugin.h"
#include "pio/sdk/text_frontend.h"

namespace pio::qwen3_moe {
namespace {

struct Qwen3MoeConfig {
  DecoderDims dims;
  RopeConfig rope;
  sdk::MoeRouting routing;
  int64_t decoder_sparse_step = 1;
  std::vector<int64_t> mlp_only_layers;

  // transformers' Qwen3MoeDecoderLayer: sparse iff not in mlp_only_layers, experts exist and
  // (layer + 1) is a multiple of decoder_sparse_step.
  bool is_sparse(int64_t layer) const {
    return std::find(mlp_only_layers.begin(), mlp_only_layers.end(), layer) == mlp_only_layers.end() &&
           routing.n_experts > 0 && (layer + 1) % decoder_sparse_step == 0;
  }
};

Qwen3MoeConfig parse_config(const JsonValue& json, const std::filesystem::path& source) {
  Qwen3MoeConfig c;
  c.dims = parse_decoder_dims(json);
  c.rope = parse_rope_config(json, /*default_theta=*/10000.0);
  // 4.x writes num_experts, 5.x num_local_experts.
  c.routing.n_experts = json.get_optional<int64_t>("num_experts")
                            .value_or(json.get_or<int64_t>("num_local_experts", 0));
  c.routing.top_k = json.get<int64_t>("num_experts_per_tok");
  c.routing.expert_intermediate = json.get<int64_t>("moe_intermediate_size");
  c.routing.normalize_top_k = json.get_or<bool>("norm_topk_prob", false);
  c.routing.scoring = TOPS_MOE_SCORING_SOFTMAX;
  c.decoder_sparse_step = json.get_or<int64_t>("decoder_sparse_step", 1);
  c.mlp_only_layers = json.get_or<std::vector<int64_t>>("mlp_only_layers", {});
  if (c.decoder_sparse_step < 1) {
    throw_error(ErrorCode::kBadFormat, "{}: decoder_sparse_step must be >= 1, got {}",
                source.string(), c.decoder_sparse_step);
  }
  for (int64_t layer = 0; layer < c.dims.num_hidden_layers; ++layer) {
    if (!c.is_sparse(layer) && c.dims.intermediate_size <= 0) {
      throw_error(ErrorCode::kBadFormat,
                  "{}: layer {} is dense (mlp_only_layers / decoder_sparse_step) but "
                  "intermediate_size is not positive",
                  source.string(), layer);
    }
  }
  if (json.get_or<bool>("use_sliding_window", false)) {
    throw_error(ErrorCode::kUnsupported,
                "{}: use_sliding_window=true (sliding-window attention) is not supported",
                source.string());
  }
  return c;
}

std::unique_ptr<sdk::Model> load_qwen3_moe(const std::filesystem::path& dir,
                                           const sdk::LoadOptions& options,
                                           const sdk::Progress& progress) {
  Qwen3MoeConfig config = parse_config(load_model_config(dir), dir / "config.json");
  sdk::check_decoder_load_options(options, config.dims, "qwen3_moe");
  progress.report(0.0f, "opening checkpoint");
  std::unique_ptr<Checkpoint> checkpoint = Checkpoint::open(dir);
  sdk::TextFrontend frontend = sdk::TextFrontend::load(dir, config.dims);

  const int64_t hidden = config.dims.hidden_size;
  auto ffn = [&](const ops::Context& ctx, const Checkpoint& ckpt,
                 int64_t layer) -> std::unique_ptr<sdk::FeedForward> {
    const std::string prefix = fmt::format("model.layers.{}.mlp.", layer);
    if (config.is_sparse(layer)) {
      return std::make_unique<sdk::MoeFeedForward>(ctx, ckpt, prefix, hidden, config.routing);
    }
    return std::make_unique<sdk::SwigluFeedForward>(ckpt, prefix, hidden,
                                                    config.dims.intermediate_size);
  };
  sdk::DecoderArchitecture arch{.model_type = "qwen3_moe",
                                .default_architecture = "Qwen3MoeForCausalLM",
                                .dims = config.dims,
                                .rope = config.rope,
                                .qk_norm = true,
                                .thinking_with_template = false,  // Qwen3-Coder never thinks
                                .tools_with_template = true};
  return std::make_unique<sdk::DecoderModel>(std::move(arch), std::move(checkpoint),
                                             std::move(frontend), options, ffn, progress);
}

}  // namespace
}  // namespace pio::qwen3_moe

PIO_PLUGIN("qwen3_moe", "1.0.0", pio::qwen3_moe::load_qwen3_moe)
