// Double-precision references of add/mul/scale (TOPS_CPU_PATH_REFERENCE).
#include "core/rows.h"
#include "elementwise/elementwise_impl.h"

namespace tops {

void binary_ref(tops_context&, const BinaryArgs& a) {
  const int64_t n = a.a.ndim > 0 ? a.a.shape[a.a.ndim - 1] : 1;
  const int64_t nb = tops_tensor_numel(&a.b);
  const RowIndexer ar(a.a), br(a.b), yr(a.y);
  for (int64_t r = 0; r < ar.rows(); ++r) {
    const float* x = static_cast<const float*>(a.a.data) + ar.offset(r);
    float* y = static_cast<float*>(a.y.data) + yr.offset(r);
    for (int64_t i = 0; i < n; ++i) {
      const float bv = a.broadcast ? static_cast<const float*>(a.b.data)[(r * n + i) % nb]
                                   : static_cast<const float*>(a.b.data)[br.offset(r) + i];
      const double v = a.kind == BinaryKind::kAdd ? double(x[i]) + bv : double(x[i]) * bv;
      y[i] = static_cast<float>(v);
    }
  }
}

void scale_ref(tops_context&, const ScaleArgs& a) {
  const int64_t n = a.x.ndim > 0 ? a.x.shape[a.x.ndim - 1] : 1;
  const RowIndexer xr(a.x), yr(a.y);
  for (int64_t r = 0; r < xr.rows(); ++r)
    for (int64_t i = 0; i < n; ++i)
      static_cast<float*>(a.y.data)[yr.offset(r) + i] =
          static_cast<float>(double(static_cast<const float*>(a.x.data)[xr.offset(r) + i]) * a.scale);
}

}  // namespace tops
