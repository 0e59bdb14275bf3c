// The shared decoder forward pass (see pio/sdk/decoder_model.h).
#include "pio/sdk/decoder_model.h"

#include <fmt/format.h>

#include "decoder_session.h"
#include "pio/sdk/error.h"
#include "pio/sdk/layers/weights.h"
#include "pio/sdk/plugin_log.h"

namespace pio::sdk {

void check_decoder_load_options(const LoadOptions& options, const DecoderDims& dims,
                                std::string_view plugin) {
  if (options.load_in_4bit) {
    throw_error(ErrorCode::kUnsupported, "{}: load_in_4bit is not supported yet", plugin);
  }
  if (options.device != "auto" && options.device != "cpu") {
    throw_error(ErrorCode::kUnsupported, "{}: device '{}' is not supported yet; this version runs on the CPU",
                plugin, options.device);
  }
  // Weights stay in their checkpoint dtype; activations are f32.
  if (options.dtype != "auto" && options.dtype != "f32") {
    throw_error(ErrorCode::kUnsupported,
                "{}: dtype '{}' is not supported; weights stay in the checkpoint's dtype and "
                "activations are f32 ('auto')",
                plugin, options.dtype);
  }
  if (options.context_length > dims.max_position_embeddings) {
    throw_error(ErrorCode::kInvalidArgument,
                "{}: context_length {} exceeds the model's max_position_embeddings {}", plugin,
                options.context_length, dims.max_position_embeddings);
  }
}

DecoderModel::DecoderModel(DecoderArchitecture architecture, std::unique_ptr<Checkpoint> checkpoint,
                           TextFrontend frontend, const LoadOptions& options,
                           const FeedForwardFactory& ffn, const Progress& progress)
    : TextModel(std::move(frontend)),
      arch_(std::move(architecture)),
      checkpoint_(std::move(checkpoint)),
      attention_dims_{arch_.dims.hidden_size, arch_.dims.num_attention_heads,
                      arch_.dims.num_key_value_heads, arch_.dims.head_dim,
                      static_cast<float>(arch_.dims.rms_norm_eps)},
      rope_(arch_.rope, arch_.dims.head_dim, arch_.dims.max_position_embeddings),
      context_length_(options.context_length > 0 ? options.context_length
                                                 : arch_.dims.max_position_embeddings),
      ctx_(ops::Context::cpu(options.threads)) {
  const DecoderDims& d = arch_.dims;
  const Checkpoint& ckpt = *checkpoint_;
  embed_tokens_ = weight(ckpt, "model.embed_tokens.weight", {d.vocab_size, d.hidden_size});
  final_norm_ = weight(ckpt, "model.norm.weight", {d.hidden_size});
  // Tied: transformers ignores a stored lm_head.weight and reads embed_tokens.
  lm_head_ = d.tie_word_embeddings ? embed_tokens_
                                   : weight(ckpt, "lm_head.weight", {d.vocab_size, d.hidden_size});
  layers_.reserve(static_cast<size_t>(d.num_hidden_layers));
  for (int64_t i = 0; i < d.num_hidden_layers; ++i) {
    progress.throw_if_cancelled("loading weights");
    const std::string prefix = fmt::format("model.layers.{}.", i);
    Layer layer;
    layer.input_norm = weight(ckpt, prefix + "input_layernorm.weight", {d.hidden_size});
    layer.attention = AttentionWeights::load(ckpt, prefix + "self_attn.", attention_dims_,
                                             d.attention_bias, arch_.qk_norm);
    layer.post_attention_norm = weight(ckpt, prefix + "post_attention_layernorm.weight", {d.hidden_size});
    layer.ffn = ffn(ctx_, ckpt, i);
    layers_.push_back(std::move(layer));
    progress.report(static_cast<float>(i + 1) / static_cast<float>(d.num_hidden_layers),
                    "mapping weights");
  }
}

ModelInfo DecoderModel::describe() const {
  ModelInfo info = text_info();
  const DecoderDims& d = arch_.dims;
  info.architecture = d.architectures.empty() ? arch_.default_architecture : d.architectures.front();
  info.model_type = arch_.model_type;
  info.capabilities.text = true;
  info.capabilities.thinking = info.chat_template && arch_.thinking_with_template;
  info.capabilities.tools = info.chat_template && arch_.tools_with_template;
  info.context_length = context_length_;
  info.vocab_size = d.vocab_size;
  switch (embed_tokens_.dtype()) {
    case ops::DType::BF16: info.dtype = "bf16"; break;
    case ops::DType::F16: info.dtype = "f16"; break;
    default: info.dtype = "f32";
  }
  info.device = "cpu";
  return info;
}

std::unique_ptr<Session> DecoderModel::create_session(const SessionOptions& options) const {
  const int64_t context = options.context_length > 0 ? options.context_length : context_length_;
  const DecoderDims& d = arch_.dims;
  const KvCacheShape shape{d.num_hidden_layers, context, d.num_key_value_heads, d.head_dim, d.head_dim};
  log_debug("{}: KV cache for {} tokens: {:.1f} MiB reserved (committed as used)", arch_.model_type,
            context, static_cast<double>(shape.bytes()) / (1024.0 * 1024.0));
  return std::make_unique<DecoderSession>(*this, shape);
}

void DecoderModel::forward(KvCache& cache, Workspace& ws, std::span<const pio_token> tokens,
                           int64_t start, LogitsMode mode, std::span<float> logits,
                           const Progress& progress) const {
  const DecoderDims& d = arch_.dims;
  const auto n = static_cast<int64_t>(tokens.size());
  const auto eps = static_cast<float>(d.rms_norm_eps);
  std::lock_guard<std::mutex> lock(ctx_mutex_);

  ops::Tensor ids = ws.i32("ids", {n});
  ops::Tensor positions = ws.i32("positions", {n});
  for (int64_t i = 0; i < n; ++i) {
    ids.data<int32_t>()[i] = tokens[static_cast<size_t>(i)];
    positions.data<int32_t>()[i] = static_cast<int32_t>(start + i);
  }

  ops::Tensor h = ws.f32("hidden", {n, d.hidden_size});  // the residual stream
  ops::Tensor normed = ws.f32("normed", {n, d.hidden_size});
  ops::Tensor block_out = ws.f32("block_out", {n, d.hidden_size});
  ops::embedding(ctx_, embed_tokens_, ids, h);

  for (size_t l = 0; l < layers_.size(); ++l) {
    progress.throw_if_cancelled("forward");
    const Layer& layer = layers_[l];
    ops::rmsnorm(ctx_, h, layer.input_norm, normed, eps);
    self_attention(ctx_, layer.attention, attention_dims_, rope_, normed, positions, cache,
                   static_cast<int64_t>(l), start, ws, block_out);
    ops::add(ctx_, h, block_out, h);
    ops::rmsnorm(ctx_, h, layer.post_attention_norm, normed, eps);
    layer.ffn->forward(ctx_, normed, ws, block_out);
    ops::add(ctx_, h, block_out, h);
  }

  if (mode == LogitsMode::kNone) return;
  // Only the rows whose logits are wanted go through the final norm and the (large) lm_head.
  const int64_t rows = mode == LogitsMode::kAll ? n : 1;
  ops::Tensor final_normed = normed.narrow(0, 0, rows);
  ops::rmsnorm(ctx_, h.narrow(0, n - rows, rows), final_norm_, final_normed, eps);
  ops::Tensor out(logits.data(), ops::DType::F32, {rows, d.vocab_size});
  ops::linear(ctx_, final_normed, lm_head_, out);
}

}  // namespace pio::sdk
