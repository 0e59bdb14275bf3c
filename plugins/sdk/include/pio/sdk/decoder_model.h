// pio::sdk::DecoderModel — the pre-norm decoder-only transformer shared by the Llama-style
// families (Qwen3, Qwen3-MoE, ...), with KV-cache sessions:
//
//   h = embed_tokens[tokens]
//   per layer l:  h += self_attention_l(rmsnorm_in_l(h))      (GQA, optional q/k norm, RoPE)
//                 h += ffn_l(rmsnorm_post_l(h))               (family-chosen: SwiGLU, MoE, ...)
//   logits = lm_head(rmsnorm_final(h))                        (tied to embed_tokens or not)
//
// A family plugin parses its config.json into a DecoderArchitecture, says which feed-forward
// block each layer has, and returns a DecoderModel. Tensor names are the Hugging Face ones:
// model.embed_tokens.weight, model.layers.N.{input_layernorm, self_attn.*, post_attention_layernorm}
// .weight, model.norm.weight, lm_head.weight.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/layers/attention.h"
#include "pio/sdk/layers/feed_forward.h"
#include "pio/sdk/layers/kv_cache.h"
#include "pio/sdk/layers/rope.h"
#include "pio/sdk/layers/workspace.h"
#include "pio/sdk/model_config.h"
#include "pio/sdk/model_config_rope.h"
#include "pio/sdk/model_options.h"
#include "pio/sdk/plugin_progress.h"
#include "pio/sdk/session.h"
#include "pio/sdk/text_model.h"
#include "tensor_ops/tensor_ops.hpp"

namespace pio::sdk {

// What distinguishes one decoder family's checkpoint from another's, besides its FFN blocks.
struct DecoderArchitecture {
  std::string model_type;            // "qwen3"; reported by describe()
  std::string default_architecture;  // reported when config.json has no `architectures`
  DecoderDims dims;                  // sizes, eps, tie_word_embeddings, attention_bias
  RopeConfig rope;
  bool qk_norm = false;              // per-head RMSNorm on q and k before RoPE (Qwen3)
  // Capabilities when the directory has a chat template (thinking toggles, tool calls).
  bool thinking_with_template = false;
  bool tools_with_template = false;
};

// Builds the feed-forward block of layer `layer` (called once per layer at load time).
using FeedForwardFactory = std::function<std::unique_ptr<FeedForward>(
    const ops::Context& ctx, const Checkpoint& checkpoint, int64_t layer)>;

// Refuses load options a CPU decoder cannot honour (device other than cpu/auto, dtype other than
// auto/f32, load_in_4bit) and a context_length beyond max_position_embeddings, with
// pio::Error(kUnsupported / kInvalidArgument) naming the plugin and the option.
void check_decoder_load_options(const LoadOptions& options, const DecoderDims& dims,
                                std::string_view plugin);

class DecoderModel final : public TextModel {
 public:
  // Maps the weights (zero-copy, checkpoint dtype) and builds each layer's FFN with `ffn`.
  // Throws pio::Error naming a missing or misshaped tensor.
  DecoderModel(DecoderArchitecture architecture, std::unique_ptr<Checkpoint> checkpoint,
               TextFrontend frontend, const LoadOptions& options, const FeedForwardFactory& ffn,
               const Progress& progress);

  ModelInfo describe() const override;
  std::unique_ptr<Session> create_session(const SessionOptions& options) const override;

  // Runs `tokens` at positions start .. start+n-1 through the decoder, appending their keys and
  // values to `cache`, and writes the logits rows `mode` asks for into `logits` ([rows, V]).
  // Sessions of one model take turns (one kernel context per model; see ctx_).
  void forward(KvCache& cache, Workspace& workspace, std::span<const pio_token> tokens,
               int64_t start, LogitsMode mode, std::span<float> logits,
               const Progress& progress) const;

  const DecoderArchitecture& architecture() const noexcept { return arch_; }

 private:
  struct Layer {
    ops::Tensor input_norm;           // [D]
    AttentionWeights attention;
    ops::Tensor post_attention_norm;  // [D]
    std::unique_ptr<FeedForward> ffn;
  };

  DecoderArchitecture arch_;
  std::unique_ptr<Checkpoint> checkpoint_;  // owns the mapping every weight points into
  AttentionDims attention_dims_;
  Rope rope_;
  int64_t context_length_;
  // One kernel context (thread pool) per model: sessions take turns on it, so concurrent
  // sessions share the cores instead of oversubscribing them.
  ops::Context ctx_;
  mutable std::mutex ctx_mutex_;
  ops::Tensor embed_tokens_;  // [V, D]
  std::vector<Layer> layers_;
  ops::Tensor final_norm_;    // [D]
  ops::Tensor lm_head_;       // [V, D]; embed_tokens_ itself when tied
};

}  // namespace pio::sdk
