// CPU RMSNorm and LayerNorm: rows split across the context's thread pool; the per-row loops are
// written so the compiler vectorises them (omp simd reductions, f32 accumulation as HF does).
#include <cmath>
#include <vector>

#include "core/dtype_load.h"
#include "core/rows.h"
#include "norm/norm_impl.h"

namespace tops {
namespace {

// Per-feature parameter widened to f32 once per call (at most a few thousand values).
std::vector<float> widen(const tops_tensor& t, int64_t d, float add, float absent) {
  std::vector<float> out(static_cast<size_t>(d));
  for (int64_t i = 0; i < d; ++i) out[static_cast<size_t>(i)] = (t.data ? load_f32(t.data, t.dtype, i) : absent) + add;
  return out;
}

// Rows per task: enough work (~16K elements) to amortise the hand-off to a worker.
int64_t row_grain(int64_t d) { return d >= 16384 ? 1 : 16384 / (d > 0 ? d : 1); }

}  // namespace

void rmsnorm_cpu(tops_context& ctx, const RmsNormArgs& a) {
  const int64_t d = a.x.shape[a.x.ndim - 1];
  tops_tensor none{};
  const std::vector<float> w =
      widen(a.has_weight ? a.weight : none, d, a.zero_centered ? 1.0f : 0.0f, a.zero_centered ? 0.0f : 1.0f);
  const RowIndexer xr(a.x), yr(a.y), gr(a.has_gate ? a.gate : a.x);
  const float* wp = w.data();
  ctx.pool->parallel_for(xr.rows(), row_grain(d), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* x = static_cast<const float*>(a.x.data) + xr.offset(r);
      float* y = static_cast<float*>(a.y.data) + yr.offset(r);
      float ss = 0.0f;
#pragma omp simd reduction(+ : ss)
      for (int64_t i = 0; i < d; ++i) ss += x[i] * x[i];
      const float inv = 1.0f / std::sqrt(ss / static_cast<float>(d) + a.eps);
      if (a.has_gate) {
        const float* g = static_cast<const float*>(a.gate.data) + gr.offset(r);
        for (int64_t i = 0; i < d; ++i) y[i] = x[i] * inv * wp[i] * (g[i] / (1.0f + std::exp(-g[i])));
      } else {
#pragma omp simd
        for (int64_t i = 0; i < d; ++i) y[i] = x[i] * inv * wp[i];
      }
    }
  });
}

void layernorm_cpu(tops_context& ctx, const LayerNormArgs& a) {
  const int64_t d = a.x.shape[a.x.ndim - 1];
  tops_tensor none{};
  const std::vector<float> w = widen(a.has_weight ? a.weight : none, d, 0.0f, 1.0f);
  const std::vector<float> b = widen(a.has_bias ? a.bias : none, d, 0.0f, 0.0f);
  const RowIndexer xr(a.x), yr(a.y);
  const float* wp = w.data();
  const float* bp = b.data();
  ctx.pool->parallel_for(xr.rows(), row_grain(d), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* x = static_cast<const float*>(a.x.data) + xr.offset(r);
      float* y = static_cast<float*>(a.y.data) + yr.offset(r);
      float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
      for (int64_t i = 0; i < d; ++i) sum += x[i];
      const float mean = sum / static_cast<float>(d);
      float var = 0.0f;  // two-pass variance: no cancellation for rows with a large mean
#pragma omp simd reduction(+ : var)
      for (int64_t i = 0; i < d; ++i) var += (x[i] - mean) * (x[i] - mean);
      const float inv = 1.0f / std::sqrt(var / static_cast<float>(d) + a.eps);
#pragma omp simd
      for (int64_t i = 0; i < d; ++i) y[i] = (x[i] - mean) * inv * wp[i] + bp[i];
    }
  });
}

}  // namespace tops
