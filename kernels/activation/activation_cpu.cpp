// CPU activations and SwiGLU: rows over the thread pool, float math (libm expf/erff/tanhf,
// which are accurate to ~1 ulp, as torch's CPU kernels).
#include <cmath>

#include "activation/activation_impl.h"
#include "core/rows.h"

namespace tops {
namespace {

int64_t grain_rows(int64_t n) { return n >= 8192 ? 1 : 8192 / (n > 0 ? n : 1); }

template <class F>
void map_rows(tops_context& ctx, const tops_tensor& xt, const tops_tensor& yt, F f) {
  const int64_t n = xt.ndim > 0 ? xt.shape[xt.ndim - 1] : 1;
  const RowIndexer xr(xt), yr(yt);
  ctx.pool->parallel_for(xr.rows(), grain_rows(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* x = static_cast<const float*>(xt.data) + xr.offset(r);
      float* y = static_cast<float*>(yt.data) + yr.offset(r);
      for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
    }
  });
}

}  // namespace

void activation_cpu(tops_context& ctx, const ActivationArgs& a) {
  switch (a.kind) {
    case TOPS_ACT_SILU: map_rows(ctx, a.x, a.y, [](float x) { return x / (1.0f + std::exp(-x)); }); break;
    case TOPS_ACT_GELU_ERF:
      map_rows(ctx, a.x, a.y, [](float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); });
      break;
    case TOPS_ACT_GELU_TANH:
      map_rows(ctx, a.x, a.y, [](float x) {
        return 0.5f * x * (1.0f + std::tanh(0.79788456080286536f * (x + 0.044715f * x * x * x)));
      });
      break;
    case TOPS_ACT_SIGMOID: map_rows(ctx, a.x, a.y, [](float x) { return 1.0f / (1.0f + std::exp(-x)); }); break;
    default: map_rows(ctx, a.x, a.y, [](float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }); break;
  }
}

void swiglu_cpu(tops_context& ctx, const SwigluArgs& a) {
  const int64_t n = a.y.shape[a.y.ndim - 1];
  const RowIndexer gr(a.gate), ur(a.up), yr(a.y);
  ctx.pool->parallel_for(yr.rows(), grain_rows(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* g = static_cast<const float*>(a.gate.data) + gr.offset(r);
      const float* u = static_cast<const float*>(a.up.data) + ur.offset(r);
      float* y = static_cast<float*>(a.y.data) + yr.offset(r);
      for (int64_t i = 0; i < n; ++i) y[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
    }
  });
}

}  // namespace tops
