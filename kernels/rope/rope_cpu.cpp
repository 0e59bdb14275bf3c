// CPU RoPE: cos/sin computed once per token (float32, as HF) and applied to every head; tokens
// split over the thread pool.
#include <cmath>
#include <vector>

#include "rope/rope_impl.h"

namespace tops {

void rope_cpu(tops_context& ctx, const RopeArgs& a) {
  const int32_t half = a.params.rotary_dim / 2;
  const float af = a.params.attention_factor;
  // ~4K rotated values per task.
  const int64_t per_token = a.heads * half;
  const int64_t grain = per_token >= 4096 ? 1 : 4096 / per_token;
  ctx.pool->parallel_for(a.tokens, grain, [&](int64_t t0, int64_t t1) {
    std::vector<float> cs(static_cast<size_t>(2 * half));
    float* c = cs.data();
    float* s = cs.data() + half;
    for (int64_t t = t0; t < t1; ++t) {
      for (int32_t i = 0; i < half; ++i) {
        const float ang = rope_angle(a, t, i);
        c[i] = std::cos(ang) * af;
        s[i] = std::sin(ang) * af;
      }
      for (int64_t h = 0; h < a.heads; ++h) {
        float* x = a.x + t * a.x_stride_t + h * a.x_stride_h;
        if (a.params.pairing == TOPS_ROPE_NEOX) {
          float* x1 = x + half;
#pragma omp simd
          for (int32_t i = 0; i < half; ++i) {
            const float v0 = x[i], v1 = x1[i];
            x[i] = v0 * c[i] - v1 * s[i];
            x1[i] = v1 * c[i] + v0 * s[i];
          }
        } else {
          for (int32_t i = 0; i < half; ++i) {
            const float v0 = x[2 * i], v1 = x[2 * i + 1];
            x[2 * i] = v0 * c[i] - v1 * s[i];
            x[2 * i + 1] = v1 * c[i] + v0 * s[i];
          }
        }
      }
    }
  });
}

}  // namespace tops
