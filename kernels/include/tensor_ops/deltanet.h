/* Gated DeltaNet ops (Qwen3-Next "linear_attention" layers), following transformers'
 * qwen3_next: causal_conv1d_fn / causal_conv1d_update, l2norm, torch_recurrent_gated_delta_rule
 * and torch_chunk_gated_delta_rule.
 *
 * One DeltaNet layer with these ops (T tokens of one sequence; see docs/models/qwen3_next.md 3.3):
 *   u = [q | k | v] channels (de-grouped from in_proj_qkvz)        [T, conv_dim]
 *   tops_causal_conv1d(u, conv1d.weight as [conv_dim, K], conv_state, SILU) -> [T, conv_dim]
 *   tops_deltanet_gates(a, b, A_log, dt_bias) -> g, beta           [T, Hv]
 *   tops_gated_delta_rule(q, k, v, g, beta, state, l2norm_qk=1)   -> o [T, Hv, dv]
 *   tops_rmsnorm(o, norm.weight, gate = z)  (gated RMSNorm, norm.h), then out_proj.
 * The same calls serve prefill (T > 1) and decode (T = 1); the carried conv and recurrent states
 * make a sequence processed in pieces equal to one call over the concatenation (transformers
 * itself restarts from zero for multi-token calls with a cache; we continue correctly).
 *
 * Precision: all arithmetic in f32; the recurrent state stays f32 across calls.
 */
#ifndef TENSOR_OPS_DELTANET_H
#define TENSOR_OPS_DELTANET_H

#include "tensor_ops/context.h"
#include "tensor_ops/tensor.h"

TOPS_EXTERN_C_BEGIN

/* Flags for tops_causal_conv1d. */
enum {
  TOPS_CONV1D_SILU = 1 /* apply SiLU to the conv output (Qwen3-Next: always) */
};

/* Causal depthwise conv over time with a carried window:
 *   y[t, c] = act( sum_{j<K} w[c, j] * u[t - (K-1) + j, c] ),  u = [state | x] along time.
 * x      [T, C] f32, innermost contiguous (row stride free, e.g. a view into a projection).
 * weight [C, K] f32/bf16/f16 contiguous (HF conv1d.weight [C, 1, K] viewed as [C, K]).
 * state  [C, K-1] f32 contiguous, in/out: the last K-1 raw inputs of channel c, oldest first;
 *        zeros at the start of a sequence (that is HF's left zero padding). After the call it
 *        holds the last K-1 inputs of [state | x]. NULL = zeros and nothing is kept.
 *        (HF's cache keeps K columns; only the last K-1 are ever read.)
 * y      [T, C] f32, innermost contiguous; must not overlap x or state.
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, DEVICE_MISMATCH, INVALID_ARG (unknown flags),
 * UNSUPPORTED (non-contiguous innermost dimension). */
TOPS_API tops_status tops_causal_conv1d(tops_context* ctx, const tops_tensor* x,
                                        const tops_tensor* weight, tops_tensor* state,
                                        uint32_t flags, tops_tensor* y);

/* y = x / sqrt(sum(x^2) + eps) over the last dimension (sum, not mean: fla's / HF's l2norm,
 * eps 1e-6 there). x, y [..., d] f32, innermost contiguous, same shape; y may alias x exactly.
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, DEVICE_MISMATCH, INVALID_ARG (eps < 0 or NaN). */
TOPS_API tops_status tops_l2norm(tops_context* ctx, const tops_tensor* x, float eps, tops_tensor* y);

/* DeltaNet gates, in f32:  g = -exp(A_log[h]) * softplus(a[t,h] + dt_bias[h]),
 *                          beta = sigmoid(b[t,h]).
 * softplus is torch's (beta 1, threshold 20: x > 20 gives x).
 * a, b       [T, Hv] f32, innermost contiguous.
 * A_log, dt_bias [Hv] f32/bf16/f16 contiguous.
 * g, beta    [T, Hv] f32 out, innermost contiguous; may alias a and b respectively.
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, DEVICE_MISMATCH. */
TOPS_API tops_status tops_deltanet_gates(tops_context* ctx, const tops_tensor* a,
                                         const tops_tensor* b, const tops_tensor* A_log,
                                         const tops_tensor* dt_bias, tops_tensor* g,
                                         tops_tensor* beta);

/* Which algorithm tops_gated_delta_rule runs. Both give the same result up to f32 rounding. */
typedef int32_t tops_delta_rule_mode;
enum {
  TOPS_DELTA_RULE_AUTO = 0,      /* the faster one for T (see tops_delta_rule_params) */
  TOPS_DELTA_RULE_RECURRENT = 1, /* token by token (HF's decode path) */
  TOPS_DELTA_RULE_CHUNKED = 2    /* WY/UT-transform chunks (HF's prefill path) */
};

/* Parameters; initialise with tops_delta_rule_params_init. */
typedef struct tops_delta_rule_params {
  uint32_t struct_size;      /* sizeof(tops_delta_rule_params), set by _init */
  tops_delta_rule_mode mode; /* default AUTO: CPU always RECURRENT (measured faster there);
                                CUDA: RECURRENT when T <= 16, else CHUNKED */
  int32_t chunk_size;        /* CHUNKED: rows per chunk, 1..64; default 64 (HF) */
  int32_t l2norm_qk;         /* 1 = L2-normalise q and k per head (eps 1e-6) first, HF's
                                use_qk_l2norm_in_kernel=True (Qwen3-Next); default 1 */
} tops_delta_rule_params;

/* Sets the defaults listed above. [any-thread] */
TOPS_API void tops_delta_rule_params_init(tops_delta_rule_params* params);

/* The gated delta rule over T tokens of one sequence, continuing from `state`.
 * Per value head h (key head kh = h / (Hv / Hk)), with q scaled by 1/sqrt(dk) after the
 * optional L2 norm, for t = 0..T-1:
 *   S = S * exp(g[t,h]);  S += k_t (beta[t,h] (v_t - Sᵀ k_t))ᵀ;  out[t,h] = Sᵀ q_t
 * q, k  [T, Hk, dk] f32; v [T, Hv, dv] f32; innermost contiguous, other strides free.
 * g     [T, Hv] f32 (log decay, <= 0), beta [T, Hv] f32; innermost contiguous.
 * state [Hv, dk, dv] f32 contiguous, in/out (zeros at the start of a sequence).
 * out   [T, Hv, dv] f32, innermost contiguous; must not overlap the inputs.
 * Hv must be a multiple of Hk. T = 0 is a no-op.
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, DEVICE_MISMATCH, INVALID_ARG (params),
 * UNSUPPORTED (layout), OUT_OF_MEMORY, CUDA. */
TOPS_API tops_status tops_gated_delta_rule(tops_context* ctx, const tops_tensor* q,
                                           const tops_tensor* k, const tops_tensor* v,
                                           const tops_tensor* g, const tops_tensor* beta,
                                           const tops_delta_rule_params* params,
                                           tops_tensor* state, tops_tensor* out);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_DELTANET_H */
