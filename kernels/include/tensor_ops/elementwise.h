/* Elementwise arithmetic (residual adds, gating, scaling) and strided copy with dtype conversion. */
#ifndef TENSOR_OPS_ELEMENTWISE_H
#define TENSOR_OPS_ELEMENTWISE_H

#include "tensor_ops/context.h"
#include "tensor_ops/tensor.h"

TOPS_EXTERN_C_BEGIN

/* y = a + b. a, y [...] f32 same shape; b f32 with the same shape as a, or with the shape of a's
 * trailing dimensions (broadcast over the leading ones, e.g. a bias [d] over [n, d]).
 * y may alias a or b (same shape). Innermost dims contiguous.
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, DEVICE_MISMATCH, UNSUPPORTED. */
TOPS_API tops_status tops_add(tops_context* ctx, const tops_tensor* a, const tops_tensor* b, tops_tensor* y);

/* y = a * b, broadcasting as tops_add. */
TOPS_API tops_status tops_mul(tops_context* ctx, const tops_tensor* a, const tops_tensor* b, tops_tensor* y);

/* y = x * scale. x, y f32 same shape; y may alias x. */
TOPS_API tops_status tops_scale(tops_context* ctx, const tops_tensor* x, float scale, tops_tensor* y);

/* dst = convert(src): any strides, same shape, dtypes f32/bf16/f16 in any combination (f32 -> bf16
 * and f32 -> f16 round to nearest even) or i32 -> i32. dst must not overlap src.
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, DEVICE_MISMATCH, UNSUPPORTED. */
TOPS_API tops_status tops_copy(tops_context* ctx, const tops_tensor* src, tops_tensor* dst);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_ELEMENTWISE_H */
