// CUDA softmax over the last dimension: one block per row, max / exp-sum / scale in f32, as
// softmax_cpu.cpp.
#include <cuda_runtime.h>

#include "core/cuda_hooks.h"
#include "cuda/cuda_context.h"
#include "cuda/device_math.cuh"
#include "cuda/device_rows.cuh"
#include "softmax/softmax_impl.h"

namespace tops {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) softmax_kernel(const float* xb, float* yb, cuda::DeviceRows xr,
                                                          cuda::DeviceRows yr, int64_t n) {
  __shared__ float red[32];
  const float* x = xb + xr.offset(blockIdx.x);
  float* y = yb + yr.offset(blockIdx.x);
  float m = -INFINITY;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) m = x[i] > m ? x[i] : m;
  m = cuda::block_max(m, red);
  float s = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const float e = expf(x[i] - m);
    y[i] = e;
    s += e;
  }
  const float inv = 1.0f / cuda::block_sum(s, red);
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) y[i] *= inv;
}

void softmax_cuda(tops_context& ctx, const SoftmaxArgs& a) {
  const cuda::DeviceRows xr = cuda::DeviceRows::of(a.x), yr = cuda::DeviceRows::of(a.y);
  const int64_t n = a.x.shape[a.x.ndim - 1];
  if (xr.rows == 0 || n == 0) return;
  softmax_kernel<<<unsigned(xr.rows), kThreads, 0, cuda::stream_of(ctx)>>>(static_cast<const float*>(a.x.data),
                                                                           static_cast<float*>(a.y.data), xr, yr, n);
  TOPS_CUDA_CHECK_LAUNCH("softmax_kernel");
}

}  // namespace
}  // namespace tops

TOPS_REGISTER_CUDA_KERNEL(tops::SoftmaxOp, tops::softmax_cuda);
