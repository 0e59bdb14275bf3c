// CUDA RMSNorm (plain, zero-centred, gated) and LayerNorm: one block per row, f32 statistics,
// same formulas and operation order as norm_cpu.cpp.
#include <cuda_runtime.h>

#include "core/cuda_hooks.h"
#include "cuda/cuda_context.h"
#include "cuda/device_math.cuh"
#include "cuda/device_rows.cuh"
#include "norm/norm_impl.h"

namespace tops {
namespace {

constexpr int kThreads = 256;

struct NormKernelArgs {
  const float* x;
  float* y;
  const float* gate;
  const void* weight;  // or nullptr
  tops_dtype weight_dtype;
  const void* bias;    // LayerNorm only, or nullptr
  tops_dtype bias_dtype;
  cuda::DeviceRows xr, yr, gr;
  int64_t d;
  float eps;
  bool zero_centered;
};

__global__ void __launch_bounds__(kThreads) rmsnorm_kernel(NormKernelArgs a) {
  __shared__ float red[32];
  const int64_t row = blockIdx.x;
  const float* x = a.x + a.xr.offset(row);
  float* y = a.y + a.yr.offset(row);
  float ss = 0.0f;
  for (int64_t i = threadIdx.x; i < a.d; i += blockDim.x) ss += x[i] * x[i];
  ss = cuda::block_sum(ss, red);
  const float inv = 1.0f / sqrtf(ss / float(a.d) + a.eps);
  const float* g = a.gate ? a.gate + a.gr.offset(row) : nullptr;
  for (int64_t i = threadIdx.x; i < a.d; i += blockDim.x) {
    float w = a.weight ? cuda::load_as_float(a.weight, a.weight_dtype, i) : (a.zero_centered ? 0.0f : 1.0f);
    if (a.zero_centered) w += 1.0f;
    float v = x[i] * inv * w;
    if (g) v *= g[i] / (1.0f + expf(-g[i]));
    y[i] = v;
  }
}

__global__ void __launch_bounds__(kThreads) layernorm_kernel(NormKernelArgs a) {
  __shared__ float red[32];
  const int64_t row = blockIdx.x;
  const float* x = a.x + a.xr.offset(row);
  float* y = a.y + a.yr.offset(row);
  float sum = 0.0f;
  for (int64_t i = threadIdx.x; i < a.d; i += blockDim.x) sum += x[i];
  const float mean = cuda::block_sum(sum, red) / float(a.d);
  float var = 0.0f;  // two passes, as the CPU
  for (int64_t i = threadIdx.x; i < a.d; i += blockDim.x) var += (x[i] - mean) * (x[i] - mean);
  var = cuda::block_sum(var, red);
  const float inv = 1.0f / sqrtf(var / float(a.d) + a.eps);
  for (int64_t i = threadIdx.x; i < a.d; i += blockDim.x) {
    const float w = a.weight ? cuda::load_as_float(a.weight, a.weight_dtype, i) : 1.0f;
    const float b = a.bias ? cuda::load_as_float(a.bias, a.bias_dtype, i) : 0.0f;
    y[i] = (x[i] - mean) * inv * w + b;
  }
}

void rmsnorm_cuda(tops_context& ctx, const RmsNormArgs& a) {
  NormKernelArgs k{};
  k.x = static_cast<const float*>(a.x.data);
  k.y = static_cast<float*>(a.y.data);
  k.gate = a.has_gate ? static_cast<const float*>(a.gate.data) : nullptr;
  k.weight = a.has_weight ? a.weight.data : nullptr;
  k.weight_dtype = a.weight.dtype;
  k.xr = cuda::DeviceRows::of(a.x);
  k.yr = cuda::DeviceRows::of(a.y);
  k.gr = cuda::DeviceRows::of(a.has_gate ? a.gate : a.x);
  k.d = a.x.shape[a.x.ndim - 1];
  k.eps = a.eps;
  k.zero_centered = a.zero_centered;
  if (k.xr.rows == 0 || k.d == 0) return;
  rmsnorm_kernel<<<unsigned(k.xr.rows), kThreads, 0, cuda::stream_of(ctx)>>>(k);
  TOPS_CUDA_CHECK_LAUNCH("rmsnorm_kernel");
}

void layernorm_cuda(tops_context& ctx, const LayerNormArgs& a) {
  NormKernelArgs k{};
  k.x = static_cast<const float*>(a.x.data);
  k.y = static_cast<float*>(a.y.data);
  k.weight = a.has_weight ? a.weight.data : nullptr;
  k.weight_dtype = a.weight.dtype;
  k.bias = a.has_bias ? a.bias.data : nullptr;
  k.bias_dtype = a.bias.dtype;
  k.xr = cuda::DeviceRows::of(a.x);
  k.yr = cuda::DeviceRows::of(a.y);
  k.d = a.x.shape[a.x.ndim - 1];
  k.eps = a.eps;
  if (k.xr.rows == 0 || k.d == 0) return;
  layernorm_kernel<<<unsigned(k.xr.rows), kThreads, 0, cuda::stream_of(ctx)>>>(k);
  TOPS_CUDA_CHECK_LAUNCH("layernorm_kernel");
}

}  // namespace
}  // namespace tops

TOPS_REGISTER_CUDA_KERNEL(tops::RmsNormOp, tops::rmsnorm_cuda);
TOPS_REGISTER_CUDA_KERNEL(tops::LayerNormOp, tops::layernorm_cuda);
