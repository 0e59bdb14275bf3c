/* Softmax over the last dimension (float32, max-subtracted). */
#ifndef TENSOR_OPS_SOFTMAX_H
#define TENSOR_OPS_SOFTMAX_H

#include "tensor_ops/context.h"
#include "tensor_ops/tensor.h"

TOPS_EXTERN_C_BEGIN

/* y = exp(x - max) / sum(exp(x - max)) per row of the last dimension.
 * x, y [..., n] f32 (innermost contiguous), same shape; y may alias x; n >= 1.
 * -inf entries get probability 0; a row of all -inf yields NaN (as torch).
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, DEVICE_MISMATCH, UNSUPPORTED. */
TOPS_API tops_status tops_softmax(tops_context* ctx, const tops_tensor* x, tops_tensor* y);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_SOFTMAX_H */
