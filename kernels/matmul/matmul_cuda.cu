// CUDA tops_linear: y = x · Wᵀ (+ b) with f32 activations and f32/bf16/f16 weights [out, in].
//
// - rows <= kGemvRows (decode): a GEMV kernel, one warp per output feature, weights widened to
//   f32 in registers and f32 activations: bandwidth bound, exact f32 accumulation.
// - more rows (prefill): cuBLAS GemmEx with f32 accumulation (CUBLAS_COMPUTE_32F). cuBLAS needs
//   both inputs in one type, so for bf16/f16 weights the activations are rounded to the weight
//   type first (what transformers does when it runs a bf16 checkpoint: ~2^-9 relative per
//   product for bf16); f32 weights run a plain f32 GEMM (no TF32).
// Row-major y[rows, out] is column-major yᵀ[out, rows], so the call is yᵀ = W · xᵀ with
// op(W) = T on the row-major [out, in] weight.
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "core/cuda_hooks.h"
#include "cuda/cuda_context.h"
#include "cuda/device_math.cuh"
#include "matmul/matmul_impl.h"

namespace tops {
namespace {

constexpr int kGemvRows = 8;       // up to here a GEMV per row beats a GEMM launch
constexpr int kWarps = 8;          // output features per GEMV block
constexpr int kRowsPerPass = 4;    // rows sharing one read of a weight row

template <class W>
__global__ void __launch_bounds__(kWarps * 32) gemv_kernel(LinearArgs a) {
  const int64_t o = int64_t(blockIdx.x) * kWarps + threadIdx.x / 32;
  if (o >= a.out) return;
  const int lane = threadIdx.x & 31;
  const W* w = static_cast<const W*>(a.w) + o * a.w_stride;
  const float b = a.bias ? cuda::load_as_float(a.bias, a.bias_dtype, o) : 0.0f;
  for (int64_t r0 = 0; r0 < a.rows; r0 += kRowsPerPass) {
    float acc[kRowsPerPass] = {};
    const int n = int(a.rows - r0 < kRowsPerPass ? a.rows - r0 : kRowsPerPass);
    for (int64_t i = lane; i < a.in; i += 32) {
      const float wv = cuda::to_float(w[i]);
#pragma unroll
      for (int q = 0; q < kRowsPerPass; ++q)
        if (q < n) acc[q] += wv * a.x[(r0 + q) * a.x_stride + i];
    }
#pragma unroll
    for (int q = 0; q < kRowsPerPass; ++q) {
      const float s = cuda::warp_sum(acc[q]);
      if (lane == 0 && q < n) a.y[(r0 + q) * a.y_stride + o] = s + b;
    }
  }
}

template <class T>
__device__ T from_float(float v);
template <>
__device__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) { return __float2bfloat16(v); }
template <>
__device__ __half from_float<__half>(float v) { return __float2half(v); }

template <class T>
__global__ void round_rows_kernel(const float* x, int64_t x_stride, int64_t rows, int64_t in, T* out) {
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= rows * in) return;
  const int64_t r = idx / in, i = idx % in;
  out[idx] = from_float<T>(x[r * x_stride + i]);
}

__global__ void add_bias_kernel(float* y, int64_t y_stride, int64_t rows, int64_t out, const void* bias,
                                tops_dtype dtype) {
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= rows * out) return;
  const int64_t r = idx / out, o = idx % out;
  y[r * y_stride + o] += cuda::load_as_float(bias, dtype, o);
}

cudaDataType_t cuda_type(tops_dtype dt) {
  switch (dt) {
    case TOPS_BF16: return CUDA_R_16BF;
    case TOPS_F16: return CUDA_R_16F;
    default: return CUDA_R_32F;
  }
}

void linear_cuda(tops_context& ctx, const LinearArgs& a) {
  if (a.rows == 0 || a.out == 0) return;
  cudaStream_t stream = cuda::stream_of(ctx);
  if (a.rows <= kGemvRows || a.in == 0) {
    const unsigned blocks = cuda::blocks_for(a.out, kWarps);
    switch (a.w_dtype) {
      case TOPS_BF16: gemv_kernel<__nv_bfloat16><<<blocks, kWarps * 32, 0, stream>>>(a); break;
      case TOPS_F16: gemv_kernel<__half><<<blocks, kWarps * 32, 0, stream>>>(a); break;
      default: gemv_kernel<float><<<blocks, kWarps * 32, 0, stream>>>(a); break;
    }
    TOPS_CUDA_CHECK_LAUNCH("gemv_kernel");
    return;
  }
  const cudaDataType_t wt = cuda_type(a.w_dtype);
  const void* xb = a.x;
  int64_t ldx = a.x_stride;
  cuda::Scratch rounded(ctx, a.w_dtype == TOPS_F32 ? 0 : size_t(a.rows * a.in) * 2);
  if (a.w_dtype != TOPS_F32) {
    const unsigned blocks = cuda::blocks_for(a.rows * a.in, 256);
    if (a.w_dtype == TOPS_BF16) {
      round_rows_kernel<__nv_bfloat16><<<blocks, 256, 0, stream>>>(a.x, a.x_stride, a.rows, a.in,
                                                                    rounded.as<__nv_bfloat16>());
    } else {
      round_rows_kernel<__half><<<blocks, 256, 0, stream>>>(a.x, a.x_stride, a.rows, a.in, rounded.as<__half>());
    }
    TOPS_CUDA_CHECK_LAUNCH("round_rows_kernel");
    xb = rounded.as<void>();
    ldx = a.in;
  }
  const float alpha = 1.0f, beta = 0.0f;
  cublasHandle_t handle = cuda::state_of(ctx).cublas;
  TOPS_CUBLAS_CHECK(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, int(a.out), int(a.rows), int(a.in), &alpha, a.w, wt,
                                 int(a.w_stride), xb, wt, int(ldx), &beta, a.y, CUDA_R_32F, int(a.y_stride),
                                 CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  if (a.bias) {
    add_bias_kernel<<<cuda::blocks_for(a.rows * a.out, 256), 256, 0, stream>>>(a.y, a.y_stride, a.rows, a.out, a.bias,
                                                                                a.bias_dtype);
    TOPS_CUDA_CHECK_LAUNCH("add_bias_kernel");
  }
}

}  // namespace
}  // namespace tops

TOPS_REGISTER_CUDA_KERNEL(tops::LinearOp, tops::linear_cuda);
