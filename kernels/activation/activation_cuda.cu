// CUDA activations and SwiGLU: one thread per element, rows addressed through DeviceRows (views
// with strided leading dims work as on the CPU); same float formulas as activation_cpu.cpp.
#include <cuda_runtime.h>

#include "activation/activation_impl.h"
#include "core/cuda_hooks.h"
#include "cuda/cuda_context.h"
#include "cuda/device_rows.cuh"

namespace tops {
namespace {

struct MapArgs {
  const float* x;
  const float* u;  // SwiGLU up, or nullptr
  float* y;
  cuda::DeviceRows xr, ur, yr;
  int64_t n;       // innermost length
  tops_activation_kind kind;
};

__device__ __forceinline__ float apply(tops_activation_kind kind, float x) {
  switch (kind) {
    case TOPS_ACT_SILU: return x / (1.0f + expf(-x));
    case TOPS_ACT_GELU_ERF: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case TOPS_ACT_GELU_TANH: return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case TOPS_ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
    default: return x > 20.0f ? x : log1pf(expf(x));
  }
}

__global__ void map_kernel(MapArgs a) {
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.xr.rows * a.n) return;
  const int64_t r = idx / a.n, i = idx % a.n;
  const float x = a.x[a.xr.offset(r) + i];
  float v;
  if (a.u != nullptr) {
    v = x / (1.0f + expf(-x)) * a.u[a.ur.offset(r) + i];
  } else {
    v = apply(a.kind, x);
  }
  a.y[a.yr.offset(r) + i] = v;
}

void launch(tops_context& ctx, const MapArgs& m) {
  const int64_t total = m.xr.rows * m.n;
  if (total == 0) return;
  map_kernel<<<cuda::blocks_for(total, 256), 256, 0, cuda::stream_of(ctx)>>>(m);
  TOPS_CUDA_CHECK_LAUNCH("map_kernel");
}

void activation_cuda(tops_context& ctx, const ActivationArgs& a) {
  MapArgs m{};
  m.x = static_cast<const float*>(a.x.data);
  m.y = static_cast<float*>(a.y.data);
  m.xr = cuda::DeviceRows::of(a.x);
  m.yr = cuda::DeviceRows::of(a.y);
  m.n = a.x.ndim > 0 ? a.x.shape[a.x.ndim - 1] : 1;
  m.kind = a.kind;
  launch(ctx, m);
}

void swiglu_cuda(tops_context& ctx, const SwigluArgs& a) {
  MapArgs m{};
  m.x = static_cast<const float*>(a.gate.data);
  m.u = static_cast<const float*>(a.up.data);
  m.y = static_cast<float*>(a.y.data);
  m.xr = cuda::DeviceRows::of(a.gate);
  m.ur = cuda::DeviceRows::of(a.up);
  m.yr = cuda::DeviceRows::of(a.y);
  m.n = a.y.shape[a.y.ndim - 1];
  m.xr.rows = m.yr.rows;
  launch(ctx, m);
}

}  // namespace
}  // namespace tops

TOPS_REGISTER_CUDA_KERNEL(tops::ActivationOp, tops::activation_cuda);
TOPS_REGISTER_CUDA_KERNEL(tops::SwigluOp, tops::swiglu_cuda);
