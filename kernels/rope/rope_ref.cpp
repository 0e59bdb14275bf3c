// Reference RoPE: the angle in float32 (as HF defines it), the rotation in double.
#include <cmath>

#include "rope/rope_impl.h"

namespace tops {

void rope_ref(tops_context&, const RopeArgs& a) {
  const int32_t half = a.params.rotary_dim / 2;
  for (int64_t t = 0; t < a.tokens; ++t) {
    for (int64_t h = 0; h < a.heads; ++h) {
      float* x = a.x + t * a.x_stride_t + h * a.x_stride_h;
      for (int32_t i = 0; i < half; ++i) {
        const double ang = rope_angle(a, t, i);
        const double c = std::cos(ang) * a.params.attention_factor, s = std::sin(ang) * a.params.attention_factor;
        const int64_t i0 = a.params.pairing == TOPS_ROPE_NEOX ? i : 2 * i;
        const int64_t i1 = a.params.pairing == TOPS_ROPE_NEOX ? i + half : 2 * i + 1;
        const double x0 = x[i0], x1 = x[i1];
        x[i0] = static_cast<float>(x0 * c - x1 * s);
        x[i1] = static_cast<float>(x1 * c + x0 * s);
      }
    }
  }
}

}  // namespace tops
