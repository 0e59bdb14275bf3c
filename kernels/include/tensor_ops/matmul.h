/* Dense linear layer with Hugging Face nn.Linear semantics: y = x · Wᵀ (+ b), W stored [out, in].
 *
 * CPU precision: x and y are f32; bf16/f16 weights are widened to f32 in registers and
 * accumulated in f32 (FMA), so the result equals an f32 GEMM on the widened weights up to
 * summation order. Exception: the TOPS_CPU_PATH_AVX512_BF16 path also rounds x to bf16
 * (round-to-nearest-even) for bf16 weights and uses vdpbf16ps (bf16 products, f32 accumulation);
 * that adds a relative error of about 2^-9 per product, i.e. ~1e-3 relative on outputs, which is
 * the precision HF itself has when it runs a bf16 checkpoint. Choose TOPS_CPU_PATH_AVX512 to
 * keep f32 activations on such CPUs.
 */
#ifndef TENSOR_OPS_MATMUL_H
#define TENSOR_OPS_MATMUL_H

#include "tensor_ops/context.h"
#include "tensor_ops/tensor.h"

TOPS_EXTERN_C_BEGIN

/* y[r, o] = sum_i x[r, i] * W[o, i] (+ bias[o]).
 * x      [..., in] f32; rows (all leading dims flattened) may have any row stride, innermost
 *        contiguous; leading dims must be flattenable to one row stride.
 * weight [out, in] f32/bf16/f16; innermost contiguous, row stride >= in (views of a larger
 *        matrix, e.g. rows of a fused gate_up weight, are fine).
 * bias   [out] f32/bf16/f16 contiguous, or NULL.
 * y      [..., out] f32 with the same leading shape as x; must not overlap x.
 * Rows == 1 (decode) runs a multi-threaded GEMV over output rows; many rows run a blocked GEMM
 * that reads each weight tile once per block of rows.
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, DEVICE_MISMATCH, UNSUPPORTED (layout, no CUDA). */
TOPS_API tops_status tops_linear(tops_context* ctx, const tops_tensor* x, const tops_tensor* weight,
                                 const tops_tensor* bias, tops_tensor* y);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_MATMUL_H */
