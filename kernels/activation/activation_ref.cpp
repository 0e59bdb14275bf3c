// Double-precision references of the activations and SwiGLU (TOPS_CPU_PATH_REFERENCE).
#include <cmath>

#include "activation/activation_impl.h"
#include "core/rows.h"

namespace tops {
namespace {
double act(tops_activation_kind kind, double x) {
  switch (kind) {
    case TOPS_ACT_SILU: return x / (1.0 + std::exp(-x));
    case TOPS_ACT_GELU_ERF: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    case TOPS_ACT_GELU_TANH: return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case TOPS_ACT_SIGMOID: return 1.0 / (1.0 + std::exp(-x));
    default: return x > 20.0 ? x : std::log1p(std::exp(x));  // softplus, torch threshold 20
  }
}
}  // namespace

void activation_ref(tops_context&, const ActivationArgs& a) {
  const int64_t n = a.x.ndim > 0 ? a.x.shape[a.x.ndim - 1] : 1;
  const RowIndexer xr(a.x), yr(a.y);
  for (int64_t r = 0; r < xr.rows(); ++r)
    for (int64_t i = 0; i < n; ++i)
      static_cast<float*>(a.y.data)[yr.offset(r) + i] =
          static_cast<float>(act(a.kind, static_cast<const float*>(a.x.data)[xr.offset(r) + i]));
}

void swiglu_ref(tops_context&, const SwigluArgs& a) {
  const int64_t n = a.y.shape[a.y.ndim - 1];
  const RowIndexer gr(a.gate), ur(a.up), yr(a.y);
  for (int64_t r = 0; r < yr.rows(); ++r)
    for (int64_t i = 0; i < n; ++i) {
      const double g = static_cast<const float*>(a.gate.data)[gr.offset(r) + i];
      const double u = static_cast<const float*>(a.up.data)[ur.offset(r) + i];
      static_cast<float*>(a.y.data)[yr.offset(r) + i] = static_cast<float>(g / (1.0 + std::exp(-g)) * u);
    }
}

}  // namespace tops
