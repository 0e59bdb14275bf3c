// Double-precision reference of tops_softmax.
#include <cmath>
#include <vector>

#include "core/rows.h"
#include "softmax/softmax_impl.h"

namespace tops {

void softmax_ref(tops_context&, const SoftmaxArgs& a) {
  const int64_t n = a.x.shape[a.x.ndim - 1];
  const RowIndexer xr(a.x), yr(a.y);
  std::vector<double> e(static_cast<size_t>(n));
  for (int64_t r = 0; r < xr.rows(); ++r) {
    const float* x = static_cast<const float*>(a.x.data) + xr.offset(r);
    float* y = static_cast<float*>(a.y.data) + yr.offset(r);
    double m = -INFINITY;
    for (int64_t i = 0; i < n; ++i) m = std::fmax(m, x[i]);
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += (e[size_t(i)] = std::exp(double(x[i]) - m));
    for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(e[size_t(i)] / s);
  }
}

}  // namespace tops
