/* Mixture-of-Experts ops: routing, token->expert dispatch, and the expert FFNs run as grouped
 * matmuls with the weighted combine back in token order.
 *
 * A MoE block is, for x [T, D] (post-attention-norm hidden states):
 *   logits = x · Wgᵀ                                  (tops_linear, router weight [E, D])
 *   tops_moe_route(logits) -> ids [T, k], weights [T, k]
 *   tops_moe_ffn(experts, x, ids, weights) -> y [T, D]
 *     y[t] = sum_j weights[t,j] * down_e( silu(gate_e x[t]) * up_e x[t] ),  e = ids[t,j]
 * Only the experts that some token selected are read (decode with 8 of 128 experts reads 8
 * experts' bytes). tops_moe_dispatch exposes the grouping step for callers that run their own
 * expert kernels.
 *
 * Precision: routing runs in f32 (softmax/sigmoid over all experts, as transformers); the
 * expert matmuls widen bf16/f16 weights to f32 and accumulate in f32; the combine multiplies by
 * the f32 routing weights in f32 (transformers 5.x order).
 */
#ifndef TENSOR_OPS_MOE_H
#define TENSOR_OPS_MOE_H

#include "tensor_ops/context.h"
#include "tensor_ops/tensor.h"

TOPS_EXTERN_C_BEGIN

/* How router logits become scores. */
typedef int32_t tops_moe_scoring;
enum {
  /* Qwen3-MoE / Qwen3-Next: p = softmax(logits) over all experts; pick the top-k p;
   * optionally w = p / sum(p selected). No selection bias, no groups. */
  TOPS_MOE_SCORING_SOFTMAX = 0,
  /* GLM-4.7-Flash / DeepSeek-V3: s = sigmoid(logits); choose on s + selection_bias among the
   * topk_group best groups (a group scores the sum of its two best biased scores, the other
   * groups are excluded); w = s (unbiased) of the chosen; optionally w /= sum(w) + 1e-20. */
  TOPS_MOE_SCORING_SIGMOID = 1
};

/* Router parameters. Initialise with tops_moe_router_params_init (struct_size lets later
 * versions append fields), then set what the model's config.json says. */
typedef struct tops_moe_router_params {
  uint32_t struct_size;        /* sizeof(tops_moe_router_params), set by _init */
  tops_moe_scoring scoring;    /* default SOFTMAX */
  int32_t top_k;               /* num_experts_per_tok, 1 <= top_k <= n_experts; default 1 */
  int32_t normalize;           /* norm_topk_prob: 1 = renormalise the k weights; default 0 */
  int32_t n_group;             /* SIGMOID only: groups of experts (n_experts % n_group == 0,
                                  each group >= 2 experts when n_group > 1); default 1 */
  int32_t topk_group;          /* SIGMOID only: groups kept, 1..n_group; default 1 */
  float routed_scaling_factor; /* final weights are multiplied by it (after normalising);
                                  default 1 */
} tops_moe_router_params;

/* Sets the defaults listed above. [any-thread] */
TOPS_API void tops_moe_router_params_init(tops_moe_router_params* params);

/* Picks the top-k experts per token and their combine weights.
 * logits         [T, E] f32, innermost contiguous (row stride free).
 * selection_bias [E] f32 contiguous (e_score_correction_bias), or NULL (= zeros). SIGMOID
 *                scoring only; passing one with SOFTMAX is INVALID_ARG.
 * ids            [T, top_k] i32 out, contiguous: chosen experts in descending order of their
 *                selection score (ties: lower expert id first).
 * weights        [T, top_k] f32 out, contiguous: the weight of ids[t, j].
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, DEVICE_MISMATCH, INVALID_ARG (top_k, groups,
 * struct_size, scoring, non-finite scaling factor). */
TOPS_API tops_status tops_moe_route(tops_context* ctx, const tops_tensor* logits,
                                    const tops_tensor* selection_bias,
                                    const tops_moe_router_params* params, tops_tensor* ids,
                                    tops_tensor* weights);

/* Groups the T*k (token, slot) pairs by expert: a stable counting sort of ids.
 * ids     [T, k] i32 contiguous, each in [0, n_experts) (checked on CPU; on CUDA an id out of
 *         range is skipped and counted nowhere).
 * offsets [n_experts + 1] i32 out: the pairs routed to expert e are
 *         order[offsets[e] .. offsets[e+1]); offsets[0] = 0, offsets[E] = number of valid pairs.
 * order   [T * k] i32 out: pair index t*k + j, grouped by expert, ascending t inside a group.
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, DEVICE_MISMATCH, INVALID_ARG (id out of range
 * on CPU, n_experts < 1). */
TOPS_API tops_status tops_moe_dispatch(tops_context* ctx, const tops_tensor* ids, int32_t n_experts,
                                       tops_tensor* offsets, tops_tensor* order);

/* A validated table of expert weights, built once per MoE layer at load time (on CUDA the
 * per-expert pointer table is uploaded to the device then). Opaque. */
typedef struct tops_moe_experts tops_moe_experts;

/* Where the expert weights are. Give EITHER the per-expert arrays (gate, up, down: each an array
 * of n_experts descriptors) OR the fused pair (gate_up_fused, down_fused), never both.
 * - per expert (checkpoint layout `mlp.experts.{e}.gate_proj.weight`):
 *     gate[e], up[e] [inter, hidden]; down[e] [hidden, inter];
 * - fused (transformers 5.x `experts.gate_up_proj`, `experts.down_proj`):
 *     gate_up_fused [n_experts, 2*inter, hidden] (rows 0..inter-1 gate, inter..2*inter-1 up),
 *     down_fused    [n_experts, hidden, inter].
 * All weight tensors share one dtype (f32, bf16 or f16), live on the context's device and are
 * row-major contiguous. The descriptors are copied; the weight MEMORY is borrowed and must
 * outlive the tops_moe_experts object. */
typedef struct tops_moe_experts_desc {
  uint32_t struct_size; /* sizeof(tops_moe_experts_desc) */
  int32_t n_experts;
  int64_t hidden;       /* D */
  int64_t inter;        /* I, moe_intermediate_size */
  const tops_tensor* gate;
  const tops_tensor* up;
  const tops_tensor* down;
  const tops_tensor* gate_up_fused;
  const tops_tensor* down_fused;
} tops_moe_experts_desc;

/* Sets struct_size and zeroes the rest. [any-thread] */
TOPS_API void tops_moe_experts_desc_init(tops_moe_experts_desc* desc);

/* Validates desc and builds the table for ctx's device. *out is owned by the caller (release
 * with tops_moe_experts_release) and may be used with any context of the same device.
 * Errors: NULL_POINTER, DTYPE (mixed or unsupported dtypes), SHAPE_MISMATCH (naming the expert
 * and tensor), DEVICE_MISMATCH, INVALID_ARG (both or neither layout, sizes < 1),
 * UNSUPPORTED (non-contiguous weights), OUT_OF_MEMORY, CUDA. */
TOPS_API tops_status tops_moe_experts_create(tops_context* ctx, const tops_moe_experts_desc* desc,
                                             tops_moe_experts** out);

/* Frees the table (not the weights). Accepts NULL. Must not run concurrently with an op that
 * uses it; on CUDA it waits for the device to finish using it. */
TOPS_API void tops_moe_experts_release(tops_moe_experts* experts);

/* Flags for tops_moe_ffn. */
enum {
  TOPS_MOE_ACCUMULATE = 1 /* y += result instead of y = result (residual, shared expert) */
};

/* Routed expert FFNs with SwiGLU and the weighted combine (see the file comment).
 * x       [T, hidden] f32, innermost contiguous.
 * ids     [T, k] i32 contiguous (from tops_moe_route), each in [0, n_experts).
 * weights [T, k] f32 contiguous.
 * y       [T, hidden] f32, innermost contiguous; must not overlap x.
 * Internally: dispatch, gather the rows of each expert, gate/up matmul, silu(g)*u, down matmul,
 * then y[t] (+)= sum_j weights[t,j] * out[t,j] in slot order j = 0..k-1 (deterministic).
 * Scratch memory (T*k*(hidden + 2*inter) floats) is allocated per call.
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, DEVICE_MISMATCH, INVALID_ARG (expert id out of
 * range, checked on CPU only; CUDA skips such slots), OUT_OF_MEMORY, CUDA. */
TOPS_API tops_status tops_moe_ffn(tops_context* ctx, const tops_moe_experts* experts,
                                  const tops_tensor* x, const tops_tensor* ids,
                                  const tops_tensor* weights, uint32_t flags, tops_tensor* y);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_MOE_H */
