// CUDA RoPE, in place: one thread per (token, head, frequency index); angle, cos and sin in f32
// exactly as rope_cpu.cpp (rope_angle in rope_impl.h, duplicated here for the device).
#include <cuda_runtime.h>

#include "core/cuda_hooks.h"
#include "cuda/cuda_context.h"
#include "rope/rope_impl.h"

namespace tops {
namespace {

__device__ float device_angle(const RopeArgs& a, int64_t t, int32_t i) {
  const tops_rope_params& p = a.params;
  const int64_t T = a.tokens;
  switch (p.mode) {
    case TOPS_ROPE_MODE_MROPE: {
      int axis;
      if (p.mrope_interleaved) {
        axis = (i % 3 == 1 && i < 3 * p.mrope_section[1]) ? 1 : (i % 3 == 2 && i < 3 * p.mrope_section[2]) ? 2 : 0;
      } else {
        axis = i < p.mrope_section[0] ? 0 : i < p.mrope_section[0] + p.mrope_section[1] ? 1 : 2;
      }
      return static_cast<float>(a.positions[axis * T + t]) * a.inv_freq[i];
    }
    case TOPS_ROPE_MODE_VISION_2D: {
      const int32_t quarter = p.rotary_dim / 4;
      return i < quarter ? static_cast<float>(a.positions[t]) * a.inv_freq[i]
                         : static_cast<float>(a.positions[T + t]) * a.inv_freq[i - quarter];
    }
    default: return static_cast<float>(a.positions[t]) * a.inv_freq[i];
  }
}

__global__ void rope_kernel(RopeArgs a) {
  const int32_t half = a.params.rotary_dim / 2;
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.tokens * a.heads * half) return;
  const int32_t i = int32_t(idx % half);
  const int64_t h = (idx / half) % a.heads, t = idx / (int64_t(half) * a.heads);
  const float ang = device_angle(a, t, i);
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
