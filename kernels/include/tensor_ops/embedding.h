/* Embedding lookup: rows of a (typically bf16) table gathered and widened to f32. */
#ifndef TENSOR_OPS_EMBEDDING_H
#define TENSOR_OPS_EMBEDDING_H

#include "tensor_ops/context.h"
#include "tensor_ops/tensor.h"

TOPS_EXTERN_C_BEGIN

/* out[t, :] = float32(table[ids[t], :]).
 * table [V, D] f32/bf16/f16 (innermost contiguous), ids [n] i32 contiguous, out [n, D] f32.
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, INVALID_ARG (an id < 0 or >= V; the message names
 * the position and the id; CPU checks before writing), DEVICE_MISMATCH, UNSUPPORTED. */
TOPS_API tops_status tops_embedding(tops_context* ctx, const tops_tensor* table, const tops_tensor* ids,
                                    tops_tensor* out);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_EMBEDDING_H */
