/* Normalisation ops: RMSNorm (plain, zero-centred, gated) and LayerNorm.
 *
 * Both normalise over the LAST dimension of x, so per-head q/k norm is the same call on a
 * [n_tokens, n_heads, head_dim] view with a [head_dim] weight. Statistics are computed in
 * float32 (CPU: accumulated in double on the reference path), eps inside the square root, as
 * Hugging Face does.
 */
#ifndef TENSOR_OPS_NORM_H
#define TENSOR_OPS_NORM_H

#include "tensor_ops/context.h"
#include "tensor_ops/tensor.h"

TOPS_EXTERN_C_BEGIN

/* Flags for tops_rmsnorm. */
enum tops_rmsnorm_flag_values {
  TOPS_RMSNORM_ZERO_CENTERED = 1 /* multiply by (1 + w) instead of w (Qwen3-Next "RMSNorm1p") */
};

/* y = x / sqrt(mean(x^2) + eps) * w            (flags = 0)
 * y = x / sqrt(mean(x^2) + eps) * (1 + w)      (TOPS_RMSNORM_ZERO_CENTERED)
 * and, when gate is given (gated RMSNorm of Gated DeltaNet), additionally y *= silu(gate).
 *
 * x      [..., d] f32; innermost dimension contiguous, other strides free.
 * weight [d] f32/bf16/f16, contiguous; NULL means w = 1 (or 1 + 0 for zero-centred).
 * gate   [..., d] f32, same shape as x, or NULL.
 * y      [..., d] f32, same shape as x; may alias x exactly (in place).
 * eps    >= 0.
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH (ndim < 1, weight/gate/y shapes), DEVICE_MISMATCH,
 * INVALID_ARG (eps < 0 or NaN), UNSUPPORTED (non-contiguous innermost dim, no CUDA kernel). */
TOPS_API tops_status tops_rmsnorm(tops_context* ctx, const tops_tensor* x, const tops_tensor* weight,
                                  const tops_tensor* gate, float eps, uint32_t flags, tops_tensor* y);

/* y = (x - mean(x)) / sqrt(var(x) + eps) * w + b   over the last dimension (biased variance).
 * x [..., d] f32 (innermost contiguous); weight [d] and bias [d] f32/bf16/f16 or NULL (w = 1,
 * b = 0); y like x, may alias x. Errors as tops_rmsnorm. */
TOPS_API tops_status tops_layernorm(tops_context* ctx, const tops_tensor* x, const tops_tensor* weight,
                                    const tops_tensor* bias, float eps, tops_tensor* y);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_NORM_H */
