/* Argmax and top-k over logits (last dimension). */
#ifndef TENSOR_OPS_TOPK_H
#define TENSOR_OPS_TOPK_H

#include "tensor_ops/context.h"
#include "tensor_ops/tensor.h"

TOPS_EXTERN_C_BEGIN

/* indices[r] = index of the largest x[r, :]; ties resolve to the lowest index (torch.argmax);
 * NaN compares as larger than everything (torch semantics), so a NaN row reports its first NaN.
 * x [rows, n] or [n] f32 (innermost contiguous), n >= 1; indices i32 [rows] (or [1] for 1-D x).
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, DEVICE_MISMATCH, UNSUPPORTED. */
TOPS_API tops_status tops_argmax(tops_context* ctx, const tops_tensor* x, tops_tensor* indices);

/* The k largest entries of each row, sorted descending (ties: lower index first).
 * x [rows, n] or [n] f32; values f32 and indices i32 [rows, k] (or [k] for 1-D x); 1 <= k <= n.
 * values may be NULL when only indices are needed.
 * Errors: as tops_argmax, plus INVALID_ARG (k out of range). */
TOPS_API tops_status tops_topk(tops_context* ctx, const tops_tensor* x, int32_t k, tops_tensor* values,
                               tops_tensor* indices);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_TOPK_H */
