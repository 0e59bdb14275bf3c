/* Scaled dot-product attention: causal with GQA/MQA and a KV cache, non-causal with per-segment
 * block masks (vision, cu_seqlens style), separate q/k and v head dims (MLA), optional sigmoid
 * output gate, and a paged KV cache.
 *
 * Shapes (innermost dim contiguous, other strides free):
 *   q [nq, Hq, Dk]   k [nk, Hkv, Dk]   v [nk, Hkv, Dv]   out [nq, Hq, Dv]   gate [nq, Hq, Dv]
 * Hkv divides Hq; query head h reads kv head h / (Hq / Hkv) (HF repeat_kv order).
 * Scores are q·k * scale, softmax in float32 (online / FlashAttention-style tiling), masked
 * keys contribute exactly 0. All tensors f32 (the cache dtype may widen later).
 *
 * Paged KV cache layout (same on CPU and CUDA, as FlashAttention-2's paged KV):
 *   k_pool [n_blocks, block_size, Hkv, Dk]   v_pool [n_blocks, block_size, Hkv, Dv]
 *   block_table i32 [max_blocks]: logical block j of the sequence is physical block table[j];
 *   token t lives in block table[t / block_size], slot t % block_size.
 */
#ifndef TENSOR_OPS_ATTENTION_H
#define TENSOR_OPS_ATTENTION_H

#include "tensor_ops/context.h"
#include "tensor_ops/tensor.h"

TOPS_EXTERN_C_BEGIN

typedef struct tops_attention_params {
  float scale;    /* multiplies q·k; usually 1/sqrt(Dk) */
  int32_t causal; /* 1: query i sits at absolute position nk - nq + i (nk = keys in the cache incl.
                     the new ones) and sees keys at positions <= its own; 0: sees all keys
                     (of its segment when cu_seqlens is given) */
} tops_attention_params;

/* Attention over contiguous (strided) K/V, e.g. a KV cache prefix [0, start + n).
 * gate:       [nq, Hq, Dv] f32 or NULL; out = attn * sigmoid(gate) (Qwen3-Next gated attention).
 * cu_seqlens: i32 [n_seg + 1] or NULL: packed independent segments; requires nq == nk, values
 *             non-decreasing from 0 to nq; a query sees only keys of its own segment (and, if
 *             causal, at or before it). Vision: one segment per image (temporal group).
 * out must not overlap q, k, v.
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH (incl. nk < nq when causal, Hq % Hkv != 0),
 * INVALID_ARG (bad cu_seqlens), DEVICE_MISMATCH, UNSUPPORTED. */
TOPS_API tops_status tops_attention(tops_context* ctx, const tops_tensor* q, const tops_tensor* k,
                                    const tops_tensor* v, const tops_tensor* gate,
                                    const tops_tensor* cu_seqlens, const tops_attention_params* params,
                                    tops_tensor* out);

/* Copies src [n, H, D] into cache rows [start, start + n) of cache [capacity, H, D] (f32).
 * Errors: SHAPE_MISMATCH (H/D differ), INVALID_ARG (start < 0 or start + n > capacity), ... */
TOPS_API tops_status tops_kv_append(tops_context* ctx, tops_tensor* cache, int64_t start,
                                    const tops_tensor* src);

/* Writes k_new [n, Hkv, Dk] and v_new [n, Hkv, Dv] for token positions [start, start + n) into the
 * paged pools through block_table (layout above). Blocks must already be assigned in the table.
 * Errors: INVALID_ARG (start < 0, a needed block beyond the table, a block id out of range), ... */
TOPS_API tops_status tops_paged_kv_append(tops_context* ctx, tops_tensor* k_pool, tops_tensor* v_pool,
                                          const tops_tensor* block_table, int64_t start,
                                          const tops_tensor* k_new, const tops_tensor* v_new);

/* Attention of q [nq, Hq, Dk] over the first kv_len tokens of a paged cache; same result as
 * tops_attention on the equivalent contiguous K/V with nk = kv_len (gate as there; no cu_seqlens).
 * Errors: as tops_attention, plus INVALID_ARG (kv_len < nq when causal, kv_len beyond the table,
 * block id out of range). */
TOPS_API tops_status tops_paged_attention(tops_context* ctx, const tops_tensor* q, const tops_tensor* k_pool,
                                          const tops_tensor* v_pool, const tops_tensor* block_table,
                                          int64_t kv_len, const tops_tensor* gate,
                                          const tops_attention_params* params, tops_tensor* out);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_ATTENTION_H */
