// Internal declarations of tops_rope (tensor_ops/rope.h). CUDA: RopeOp.
#pragma once

#include <cstdint>

#include "core/context_impl.h"
#include "core/host_device.h"
#include "tensor_ops/rope.h"

namespace tops {

// Validated: x [T, H, D] f32 innermost contiguous (strides in x_stride_t / x_stride_h);
// positions i32 contiguous [n_axes, T] (n_axes 1, 3 or 2 by mode); inv_freq f32 contiguous with
// n_freq entries (rotary_dim/2, or rotary_dim/4 for VISION_2D); params checked (even
// rotary_dim <= D, sections summing to rotary_dim/2 for MROPE).
struct RopeArgs {
  float* x;
  int64_t x_stride_t, x_stride_h;
  int64_t tokens, heads, head_dim;
  const int32_t* positions;
  const float* inv_freq;
  tops_rope_params params;
};
struct RopeOp {
  using Fn = void(tops_context&, const RopeArgs&);
};

// Angle (float32, as HF) of frequency index i (0 <= i < rotary_dim/2) for token t. Host and
// device: the CPU paths and rope_cuda.cu share this one definition.
TOPS_HD inline float rope_angle(const RopeArgs& a, int64_t t, int32_t i) {
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

void rope_ref(tops_context&, const RopeArgs&);
void rope_cpu(tops_context&, const RopeArgs&);

}  // namespace tops
