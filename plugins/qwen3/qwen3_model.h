// The Qwen3 dense decoder (Qwen3ForCausalLM): weights, the forward pass and sessions.
// Spec: docs/models/qwen3.md. Reference: transformers' modeling_qwen3.py.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/layers/attention.h"
#include "pio/sdk/layers/kv_cache.h"
#include "pio/sdk/layers/mlp.h"
#include "pio/sdk/layers/rope.h"
#include "pio/sdk/layers/workspace.h"
#include "pio/sdk/model_options.h"
#include "pio/sdk/plugin_progress.h"
#include "pio/sdk/session.h"
#include "pio/sdk/text_model.h"
#include "qwen3_config.h"
#include "tensor_ops/tensor_ops.hpp"

namespace pio::qwen3 {

struct Qwen3Layer {
  ops::Tensor input_norm;           // [D]
  sdk::AttentionWeights attention;  // q/k/v/o projections + per-head q/k norms
  ops::Tensor post_attention_norm;  // [D]
  sdk::SwigluWeights mlp;           // gate/up [I, D], down [D, I]
};

// Views into the mmap'ed checkpoint, in its dtype.
struct Qwen3Weights {
  ops::Tensor embed_tokens;  // [V, D]
  std::vector<Qwen3Layer> layers;
  ops::Tensor final_norm;    // [D]
  ops::Tensor lm_head;       // [V, D]; embed_tokens itself when tie_word_embeddings

  static Qwen3Weights load(const Checkpoint& checkpoint, const Qwen3Config& config,
                           const sdk::Progress& progress);
};

class Qwen3Model final : public sdk::TextModel {
 public:
  Qwen3Model(Qwen3Config config, std::unique_ptr<Checkpoint> checkpoint, sdk::TextFrontend frontend,
             const sdk::LoadOptions& options);

  sdk::ModelInfo describe() const override;
  std::unique_ptr<sdk::Session> create_session(const sdk::SessionOptions& options) const override;

  // Runs tokens (at positions start .. start+n-1) through the decoder, appending to `cache`, and
  // writes logits of the rows `mode` asks for into `logits` ([rows, V]).
  void forward(sdk::KvCache& cache, sdk::Workspace& workspace, std::span<const pio_token> tokens,
               int64_t start, sdk::LogitsMode mode, std::span<float> logits,
               const sdk::Progress& progress) const;

  const Qwen3Config& config() const noexcept { return config_; }
  int64_t context_length() const noexcept { return context_length_; }

 private:
  Qwen3Config config_;
  std::unique_ptr<Checkpoint> checkpoint_;  // owns the mapping the weights point into
  Qwen3Weights weights_;
  sdk::Rope rope_;
  sdk::AttentionDims attention_dims_;
  int64_t context_length_;
  // One kernel context (thread pool) per model: sessions take turns on it, so concurrent
  // sessions share the cores instead of oversubscribing them.
  ops::Context ctx_;
  mutable std::mutex ctx_mutex_;
};

}  // namespace pio::qwen3
