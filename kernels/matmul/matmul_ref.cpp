// Naive double-precision reference of tops_linear (TOPS_CPU_PATH_REFERENCE).
#include "core/dtype_load.h"
#include "matmul/matmul_impl.h"

namespace tops {

void linear_ref(tops_context&, const LinearArgs& a) {
  for (int64_t r = 0; r < a.rows; ++r) {
    const float* x = a.x + r * a.x_stride;
    for (int64_t o = 0; o < a.out; ++o) {
      double acc = a.bias ? load_f32(a.bias, a.bias_dtype, o) : 0.0;
      for (int64_t i = 0; i < a.in; ++i) acc += static_cast<double>(x[i]) * load_f32(a.w, a.w_dtype, o * a.w_stride + i);
      a.y[r * a.y_stride + o] = static_cast<float>(acc);
    }
  }
}

}  // namespace tops
