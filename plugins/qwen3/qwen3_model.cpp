// Qwen3 weights and the forward pass (docs/models/qwen3.md §3):
//   h = embed(tokens)
//   per layer: h += attn(rmsnorm_in(h)); h += mlp(rmsnorm_post(h))
//   logits = lm_head(rmsnorm_final(h))
#include "qwen3_model.h"

#include <fmt/format.h>

#include "pio/sdk/error.h"
#include "pio/sdk/layers/weights.h"
#include "pio/sdk/plugin_log.h"
#include "qwen3_session.h"

namespace pio::qwen3 {

Qwen3Weights Qwen3Weights::load(const Checkpoint& checkpoint, const Qwen3Config& config,
                                const sdk::Progress& progress) {
  const DecoderDims& d = config.dims;
  const sdk::AttentionDims attention_dims{d.hidden_size, d.num_attention_heads,
                                          d.num_key_value_heads, d.head_dim,
                                          static_cast<float>(d.rms_norm_eps)};
  Qwen3Weights w;
  w.embed_tokens = sdk::weight(checkpoint, "model.embed_tokens.weight", {d.vocab_size, d.hidden_size});
  w.final_norm = sdk::weight(checkpoint, "model.norm.weight", {d.hidden_size});
  // Tied: HF ignores a stored lm_head.weight and reads embed_tokens (qwen3.md §4).
  w.lm_head = d.tie_word_embeddings
                  ? w.embed_tokens
                  : sdk::weight(checkpoint, "lm_head.weight", {d.vocab_size, d.hidden_size});
  w.layers.reserve(static_cast<size_t>(d.num_hidden_layers));
  for (int64_t i = 0; i < d.num_hidden_layers; ++i) {
    progress.throw_if_cancelled("loading qwen3 weights");
    const std::string prefix = fmt::format("model.layers.{}.", i);
    Qwen3Layer layer;
    layer.input_norm = sdk::weight(checkpoint, prefix + "input_layernorm.weight", {d.hidden_size});
    layer.attention = sdk::AttentionWeights::load(checkpoint, prefix + "self_attn.", attention_dims,
                                                  d.attention_bias, /*with_qk_norm=*/true);
    layer.post_attention_norm =
        sdk::weight(checkpoint, prefix + "post_attention_layernorm.weight", {d.hidden_size});
    layer.mlp = sdk::SwigluWeights::load(checkpoint, prefix + "mlp.", d.hidden_size,
                                         d.intermediate_size);
    w.layers.push_back(std::move(layer));
    progress.report(static_cast<float>(i + 1) / static_cast<float>(d.num_hidden_layers),
                    "mapping weights");
  }
  return w;
}

Qwen3Model::Qwen3Model(Qwen3Config config, std::unique_ptr<Checkpoint> checkpoint,
                       sdk::TextFrontend frontend, const sdk::LoadOptions& options)
    : sdk::TextModel(std::move(frontend)),
      config_(std::move(config)),
      checkpoint_(std::move(checkpoint)),
      weights_(Qwen3Weights::load(*checkpoint_, config_, sdk::Progress())),
      rope_(config_.rope, config_.dims.head_dim, config_.dims.max_position_embeddings),
      attention_dims_{config_.dims.hidden_size, config_.dims.num_attention_heads,
                      config_.dims.num_key_value_heads, config_.dims.head_dim,
                      static_cast<float>(config_.dims.rms_norm_eps)},
      context_length_(options.context_length > 0 ? options.context_length
                                                 : config_.dims.max_position_embeddings),
      ctx_(ops::Context::cpu(options.threads)) {}

sdk::ModelInfo Qwen3Model::describe() const {
  sdk::ModelInfo info = text_info();
  const DecoderDims& d = config_.dims;
  info.architecture = d.architectures.empty() ? "Qwen3ForCausalLM" : d.architectures.front();
  info.model_type = "qwen3";
  info.capabilities.text = true;
  // Qwen3's template toggles <think> with enable_thinking and renders tools.
  info.capabilities.thinking = info.chat_template;
  info.capabilities.tools = info.chat_template;
  info.context_length = context_length_;
  info.vocab_size = d.vocab_size;
  switch (weights_.embed_tokens.dtype()) {
    case ops::DType::BF16: info.dtype = "bf16"; break;
    case ops::DType::F16: info.dtype = "f16"; break;
    default: info.dtype = "f32";
  }
  info.device = "cpu";
  return info;
}

std::unique_ptr<sdk::Session> Qwen3Model::create_session(const sdk::SessionOptions& options) const {
  const int64_t context = options.context_length > 0 ? options.context_length : context_length_;
  const DecoderDims& d = config_.dims;
  const sdk::KvCacheShape shape{d.num_hidden_layers, context, d.num_key_value_heads, d.head_dim,
                                d.head_dim};
  sdk::log_debug("qwen3: KV cache for {} tokens: {:.1f} MiB reserved (committed as used)", context,
                static_cast<double>(shape.bytes()) / (1024.0 * 1024.0));
  return std::make_unique<Qwen3Session>(*this, shape);
}

void Qwen3Model::forward(sdk::KvCache& cache, sdk::Workspace& ws, std::span<const pio_token> tokens,
                         int64_t start, sdk::LogitsMode mode, std::span<float> logits,
                         const sdk::Progress& progress) const {
  const DecoderDims& d = config_.dims;
  const auto n = static_cast<int64_t>(tokens.size());
  std::lock_guard<std::mutex> lock(ctx_mutex_);

  ops::Tensor ids = ws.i32("ids", {n});
  ops::Tensor positions = ws.i32("positions", {n});
  for (int64_t i = 0; i < n; ++i) {
    ids.data<int32_t>()[i] = tokens[static_cast<size_t>(i)];
    positions.data<int32_t>()[i] = static_cast<int32_t>(start + i);
  }

  ops::Tensor h = ws.f32("hidden", {n, d.hidden_size});     // residual stream
  ops::Tensor normed = ws.f32("normed", {n, d.hidden_size});
  ops::Tensor block_out = ws.f32("block_out", {n, d.hidden_size});
  ops::embedding(ctx_, weights_.embed_tokens, ids, h);

  for (size_t l = 0; l < weights_.layers.size(); ++l) {
    progress.throw_if_cancelled("qwen3 forward");
    const Qwen3Layer& layer = weights_.layers[l];
    const auto eps = static_cast<float>(d.rms_norm_eps);
    ops::rmsnorm(ctx_, h, layer.input_norm, normed, eps);
    sdk::self_attention(ctx_, layer.attention, attention_dims_, rope_, normed, positions, cache,
                        static_cast<int64_t>(l), start, ws, block_out);
    ops::add(ctx_, h, block_out, h);
    ops::rmsnorm(ctx_, h, layer.post_attention_norm, normed, eps);
    sdk::swiglu_mlp(ctx_, layer.mlp, normed, ws, block_out);
    ops::add(ctx_, h, block_out, h);
  }

  if (mode == sdk::LogitsMode::kNone) return;
  // Only the rows whose logits are wanted go through the final norm and the (large) lm_head.
  const int64_t rows = mode == sdk::LogitsMode::kAll ? n : 1;
  ops::Tensor last = h.narrow(0, n - rows, rows);
  ops::Tensor final_normed = normed.narrow(0, 0, rows);
  ops::rmsnorm(ctx_, last, weights_.final_norm, final_normed, static_cast<float>(d.rms_norm_eps));
  ops::Tensor out(logits.data(), ops::DType::F32, {rows, d.vocab_size});
  ops::linear(ctx_, final_normed, weights_.lm_head, out);
}

}  // namespace pio::qwen3
