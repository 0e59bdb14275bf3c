// CPU tops_linear. (First version: portable f32 loops, threads over output rows.)
#include <vector>

#include "core/dtype_load.h"
#include "matmul/matmul_impl.h"

namespace tops {

void linear_cpu(tops_context& ctx, const LinearArgs& a) {
  ctx.pool->parallel_for(a.out, 16, [&](int64_t o0, int64_t o1) {
    std::vector<float> wrow(static_cast<size_t>(a.in));
    for (int64_t o = o0; o < o1; ++o) {
      for (int64_t i = 0; i < a.in; ++i) wrow[static_cast<size_t>(i)] = load_f32(a.w, a.w_dtype, o * a.w_stride + i);
      const float b = a.bias ? load_f32(a.bias, a.bias_dtype, o) : 0.0f;
      for (int64_t r = 0; r < a.rows; ++r) {
        const float* x = a.x + r * a.x_stride;
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
        for (int64_t i = 0; i < a.in; ++i) acc += x[i] * wrow[static_cast<size_t>(i)];
        a.y[r * a.y_stride + o] = acc + b;
      }
    }
  });
}

}  // namespace tops
