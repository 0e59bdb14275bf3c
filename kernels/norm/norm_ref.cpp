// Naive double-precision references of RMSNorm and LayerNorm (TOPS_CPU_PATH_REFERENCE).
#include <cmath>

#include "core/dtype_load.h"
#include "core/rows.h"
#include "norm/norm_impl.h"

namespace tops {

void rmsnorm_ref(tops_context&, const RmsNormArgs& a) {
  const int64_t d = a.x.shape[a.x.ndim - 1];
  const RowIndexer xr(a.x), yr(a.y), gr(a.has_gate ? a.gate : a.x);
  for (int64_t r = 0; r < xr.rows(); ++r) {
    const float* x = static_cast<const float*>(a.x.data) + xr.offset(r);
    float* y = static_cast<float*>(a.y.data) + yr.offset(r);
    const float* g = a.has_gate ? static_cast<const float*>(a.gate.data) + gr.offset(r) : nullptr;
    double ss = 0.0;
    for (int64_t i = 0; i < d; ++i) ss += static_cast<double>(x[i]) * x[i];
    const double inv = 1.0 / std::sqrt(ss / static_cast<double>(d) + a.eps);
    for (int64_t i = 0; i < d; ++i) {
      double w = a.has_weight ? load_f32(a.weight.data, a.weight.dtype, i) : (a.zero_centered ? 0.0 : 1.0);
      if (a.zero_centered) w += 1.0;
      double v = x[i] * inv * w;
      if (g != nullptr) v *= g[i] / (1.0 + std::exp(-static_cast<double>(g[i])));
      y[i] = static_cast<float>(v);
    }
  }
}

void layernorm_ref(tops_context&, const LayerNormArgs& a) {
  const int64_t d = a.x.shape[a.x.ndim - 1];
  const RowIndexer xr(a.x), yr(a.y);
  for (int64_t r = 0; r < xr.rows(); ++r) {
    const float* x = static_cast<const float*>(a.x.data) + xr.offset(r);
    float* y = static_cast<float*>(a.y.data) + yr.offset(r);
    double mean = 0.0;
    for (int64_t i = 0; i < d; ++i) mean += x[i];
    mean /= static_cast<double>(d);
    double var = 0.0;
    for (int64_t i = 0; i < d; ++i) var += (x[i] - mean) * (x[i] - mean);
    var /= static_cast<double>(d);
    const double inv = 1.0 / std::sqrt(var + a.eps);
    for (int64_t i = 0; i < d; ++i) {
      const double w = a.has_weight ? load_f32(a.weight.data, a.weight.dtype, i) : 1.0;
      const double b = a.has_bias ? load_f32(a.bias.data, a.bias.dtype, i) : 0.0;
      y[i] = static_cast<float>((x[i] - mean) * inv * w + b);
    }
  }
}

}  // namespace tops
