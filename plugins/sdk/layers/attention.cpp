// The GQA self-attention block over a KV cache.
#include "pio/sdk/layers/attention.h"

#include <cmath>

#include "pio/sdk/layers/weights.h"

namespace pio::sdk {

AttentionWeights AttentionWeights::load(const Checkpoint& checkpoint, const std::string& prefix,
                                        const AttentionDims& dims, bool with_bias,
                                        bool with_qk_norm) {
  const int64_t q_out = dims.n_heads * dims.head_dim;
  const int64_t kv_out = dims.n_kv_heads * dims.head_dim;
  AttentionWeights w;
  w.q_proj = weight(checkpoint, prefix + "q_proj.weight", {q_out, dims.hidden});
  w.k_proj = weight(checkpoint, prefix + "k_proj.weight", {kv_out, dims.hidden});
  w.v_proj = weight(checkpoint, prefix + "v_proj.weight", {kv_out, dims.hidden});
  w.o_proj = weight(checkpoint, prefix + "o_proj.weight", {dims.hidden, q_out});
  if (with_bias) {
    w.q_bias = weight(checkpoint, prefix + "q_proj.bias", {q_out});
    w.k_bias = weight(checkpoint, prefix + "k_proj.bias", {kv_out});
    w.v_bias = weight(checkpoint, prefix + "v_proj.bias", {kv_out});
  }
  if (with_qk_norm) {
    w.q_norm = weight(checkpoint, prefix + "q_norm.weight", {dims.head_dim});
    w.k_norm = weight(checkpoint, prefix + "k_norm.weight", {dims.head_dim});
  }
  return w;
}

void self_attention(const ops::Context& ctx, const AttentionWeights& w, const AttentionDims& dims,
                    const Rope& rope, const ops::Tensor& x, const ops::Tensor& positions,
                    KvCache& cache, int64_t layer, int64_t start, Workspace& workspace,
                    const ops::Tensor& out) {
  const int64_t n = x.dim(0);
  ops::Tensor q = workspace.f32("attn.q", {n, dims.n_heads * dims.head_dim});
  ops::Tensor k = workspace.f32("attn.k", {n, dims.n_kv_heads * dims.head_dim});
  ops::Tensor v = workspace.f32("attn.v", {n, dims.n_kv_heads * dims.head_dim});
  ops::linear(ctx, x, w.q_proj, q, is_present(w.q_bias) ? &w.q_bias : nullptr);
  ops::linear(ctx, x, w.k_proj, k, is_present(w.k_bias) ? &w.k_bias : nullptr);
  ops::linear(ctx, x, w.v_proj, v, is_present(w.v_bias) ? &w.v_bias : nullptr);

  ops::Tensor q_heads = q.split_last(dims.n_heads, dims.head_dim);     // [n, Hq, Dh]
  ops::Tensor k_heads = k.split_last(dims.n_kv_heads, dims.head_dim);  // [n, Hkv, Dh]
  ops::Tensor v_heads = v.split_last(dims.n_kv_heads, dims.head_dim);
  // Order fixed by the reference: projection -> per-head norm -> RoPE -> cache.
  if (is_present(w.q_norm)) ops::rmsnorm(ctx, q_heads, w.q_norm, q_heads, dims.norm_eps);
  if (is_present(w.k_norm)) ops::rmsnorm(ctx, k_heads, w.k_norm, k_heads, dims.norm_eps);
  rope.apply(ctx, q_heads, positions);
  rope.apply(ctx, k_heads, positions);

  ops::Tensor keys = cache.keys(layer);
  ops::Tensor values = cache.values(layer);
  ops::kv_append(ctx, keys, start, k_heads);
  ops::kv_append(ctx, values, start, v_heads);

  ops::Tensor attn = workspace.f32("attn.out", {n, dims.n_heads, dims.head_dim});
  const float scale = 1.0f / std::sqrt(static_cast<float>(dims.head_dim));
  ops::attention(ctx, q_heads, keys.narrow(0, 0, start + n), values.narrow(0, 0, start + n), attn,
                 scale);
  ops::linear(ctx, attn.reshape({n, dims.n_heads * dims.head_dim}), w.o_proj, out);
}

}  // namespace pio::sdk
