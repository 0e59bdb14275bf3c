// Causal self-attention with grouped KV heads over a session's KV cache — the attention block of
// Llama-style decoders (Qwen3, Qwen3-MoE, ...): q/k/v projections (optional biases), optional
// per-head q/k RMSNorm, RoPE, cache append, scaled-dot-product attention, output projection.
#pragma once

#include <cstdint>
#include <string>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/layers/kv_cache.h"
#include "pio/sdk/layers/rope.h"
#include "pio/sdk/layers/workspace.h"
#include "tensor_ops/tensor_ops.hpp"

namespace pio::sdk {

struct AttentionDims {
  int64_t hidden = 0;      // residual width D
  int64_t n_heads = 0;     // query heads Hq
  int64_t n_kv_heads = 0;  // KV heads Hkv (divides Hq)
  int64_t head_dim = 0;    // Dh
  float norm_eps = 1e-6f;  // q/k RMSNorm epsilon
};

struct AttentionWeights {
  ops::Tensor q_proj;  // [Hq * Dh, D]
  ops::Tensor k_proj;  // [Hkv * Dh, D]
  ops::Tensor v_proj;  // [Hkv * Dh, D]
  ops::Tensor o_proj;  // [D, Hq * Dh]
  ops::Tensor q_bias, k_bias, v_bias;  // [Hq*Dh], [Hkv*Dh], [Hkv*Dh] or absent
  ops::Tensor q_norm, k_norm;          // [Dh] per-head RMSNorm weights, or absent

  // Reads `<prefix>q_proj.weight` ... (`prefix` e.g. "model.layers.3.self_attn.").
  // with_bias: q/k/v biases are required; with_qk_norm: q_norm/k_norm are required.
  static AttentionWeights load(const Checkpoint& checkpoint, const std::string& prefix,
                               const AttentionDims& dims, bool with_bias, bool with_qk_norm);
};

// out [n, D] = attention of x [n, D] whose tokens sit at positions start .. start+n-1
// (positions: i32 [n]); appends their keys/values to `cache` layer `layer` at rows
// [start, start+n) and attends causally over rows [0, start+n). `out` must not alias `x`.
void self_attention(const ops::Context& ctx, const AttentionWeights& weights,
                    const AttentionDims& dims, const Rope& rope, const ops::Tensor& x,
                    const ops::Tensor& positions, KvCache& cache, int64_t layer, int64_t start,
                    Workspace& workspace, const ops::Tensor& out);

}  // namespace pio::sdk
