// CUDA RoPE, in place: one thread per (token, head, frequency index); angle, cos and sin in f32
// exactly as rope_cpu.cpp (rope_angle in rope_impl.h, compiled for host and device).
#include <cuda_runtime.h>

#include "core/cuda_hooks.h"
#include "cuda/cuda_context.h"
#include "rope/rope_impl.h"

namespace tops {
namespace {

__global__ void rope_kernel(RopeArgs a) {
  const int32_t half = a.params.rotary_dim / 2;
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.tokens * a.heads * half) return;
  const int32_t i = int32_t(idx % half);
  const int64_t h = (idx / half) % a.heads, t = idx / (int64_t(half) * a.heads);
  const float ang = rope_angle(a, t, i);
  const float c = cosf(ang) * a.params.attention_factor, s = sinf(ang) * a.params.attention_factor;
  float* x = a.x + t * a.x_stride_t + h * a.x_stride_h;
  float* x0 = a.params.pairing == TOPS_ROPE_NEOX ? x + i : x + 2 * i;
  float* x1 = a.params.pairing == TOPS_ROPE_NEOX ? x + i + half : x + 2 * i + 1;
  const float v0 = *x0, v1 = *x1;
  *x0 = v0 * c - v1 * s;
  *x1 = v1 * c + v0 * s;
}

void rope_cuda(tops_context& ctx, const RopeArgs& a) {
  const int64_t total = a.tokens * a.heads * (a.params.rotary_dim / 2);
  if (total == 0) return;
  rope_kernel<<<cuda::blocks_for(total, 256), 256, 0, cuda::stream_of(ctx)>>>(a);
  TOPS_CUDA_CHECK_LAUNCH("rope_kernel");
}

}  // namespace
}  // namespace tops

TOPS_REGISTER_CUDA_KERNEL(tops::RopeOp, tops::rope_cuda);
