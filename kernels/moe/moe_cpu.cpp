// CPU backend of the MoE ops.
//
// Routing is per token in f32 (threads over tokens). The expert FFN groups the T*k (token, slot)
// pairs by expert (stable counting sort), gathers each expert's rows into one block and runs
// the block through the CPU dense matmul (linear_cpu: SIMD paths, threads): gate/up (one
// [2I, D] matmul when the layout is fused), SwiGLU, down. Experts no token chose
// are never touched. The combine adds the k slot outputs of a token in slot order.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/dtype_load.h"
#include "core/error.h"
#include "matmul/matmul_impl.h"
#include "moe/moe_impl.h"
#include "moe/moe_ref.h"

namespace tops::moe {
namespace {

// Writes the indices of the k largest values (descending; ties to the lower index) to out.
// Entries equal to -inf are never chosen unless nothing else is left.
void select_top(const float* values, int64_t n, int32_t k, std::vector<char>& taken, int32_t* out) {
  taken.assign(static_cast<size_t>(n), 0);
  for (int32_t j = 0; j < k; ++j) {
    int64_t best = -1;
    for (int64_t e = 0; e < n; ++e) {
      if (taken[e]) continue;
      if (best < 0 || values[e] > values[best]) best = e;
    }
    taken[best] = 1;
    out[j] = static_cast<int32_t>(best);
  }
}

void route_tokens(const RouteArgs& a, int64_t t0, int64_t t1) {
  const int64_t E = a.n_experts;
  std::vector<float> score(static_cast<size_t>(E)), choice(static_cast<size_t>(E));
  std::vector<float> group_score(static_cast<size_t>(std::max(a.n_group, 1)));
  std::vector<int32_t> kept(static_cast<size_t>(std::max(a.topk_group, 1)));
  std::vector<char> taken;
  for (int64_t t = t0; t < t1; ++t) {
    const float* row = a.logits + t * a.logits_stride;
    int32_t* ids = a.ids + t * a.top_k;
    float* w = a.weights + t * a.top_k;
    if (!a.sigmoid) {
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t e = 0; e < E; ++e) mx = std::max(mx, row[e]);
      float sum = 0.0f;
      for (int64_t e = 0; e < E; ++e) sum += score[e] = std::exp(row[e] - mx);
      for (int64_t e = 0; e < E; ++e) score[e] /= sum;
      select_top(score.data(), E, a.top_k, taken, ids);
    } else {
      for (int64_t e = 0; e < E; ++e) {
        score[e] = 1.0f / (1.0f + std::exp(-row[e]));
        choice[e] = score[e] + (a.bias ? a.bias[e] : 0.0f);
      }
      if (a.n_group > 1) {
        const int64_t gs = E / a.n_group;
        for (int32_t g = 0; g < a.n_group; ++g) {
          const float* c = &choice[g * gs];
          float best = -std::numeric_limits<float>::infinity(), second = best;
          for (int64_t i = 0; i < gs; ++i) {
            if (c[i] > best) {
              second = best;
              best = c[i];
            } else if (c[i] > second) {
              second = c[i];
            }
          }
          group_score[g] = best + second;
        }
        select_top(group_score.data(), a.n_group, a.topk_group, taken, kept.data());
        for (int32_t g = 0; g < a.n_group; ++g) {
          if (std::find(kept.begin(), kept.end(), g) != kept.end()) continue;
          std::fill(&choice[g * gs], &choice[g * gs] + gs, -std::numeric_limits<float>::infinity());
        }
      }
      select_top(choice.data(), E, a.top_k, taken, ids);
    }
    float sum = 0.0f;
    for (int32_t j = 0; j < a.top_k; ++j) sum += w[j] = score[ids[j]];
    // Softmax: HF divides by the plain sum; sigmoid (GLM / DeepSeek-V3) adds 1e-20.
    const float denom = a.sigmoid ? sum + 1e-20f : sum;
    for (int32_t j = 0; j < a.top_k; ++j) {
      if (a.normalize) w[j] /= denom;
      w[j] *= a.scaling;
    }
  }
}

void route_reference(const RouteArgs& a) {
  std::vector<float> logits(static_cast<size_t>(a.n_tokens * a.n_experts));
  for (int64_t t = 0; t < a.n_tokens; ++t)
    std::copy_n(a.logits + t * a.logits_stride, a.n_experts, &logits[t * a.n_experts]);
  std::vector<double> w(static_cast<size_t>(a.n_tokens * a.top_k));
  if (a.sigmoid) {
    ref::moe_route_sigmoid(logits.data(), a.bias, a.n_tokens, a.n_experts, a.top_k, a.n_group, a.topk_group,
                           a.normalize, a.scaling, a.ids, w.data());
  } else {
    ref::moe_route_softmax(logits.data(), a.n_tokens, a.n_experts, a.top_k, a.normalize, a.ids, w.data());
    for (auto& v : w) v *= a.scaling;
  }
  for (size_t i = 0; i < w.size(); ++i) a.weights[i] = static_cast<float>(w[i]);
}

// Stable counting sort of pair indices by expert id; throws on an id out of range.
void sort_pairs(const int32_t* ids, int64_t n_pairs, int32_t n_experts, int32_t* offsets, int32_t* order) {
  std::fill(offsets, offsets + n_experts + 1, 0);
  for (int64_t p = 0; p < n_pairs; ++p) {
    const int32_t e = ids[p];
    if (e < 0 || e >= n_experts)
      fail(TOPS_ERR_INVALID_ARG, "ids element " + std::to_string(p) + " is " + std::to_string(e) +
                                     ", outside 0.." + std::to_string(n_experts - 1));
    ++offsets[e + 1];
  }
  for (int32_t e = 0; e < n_experts; ++e) offsets[e + 1] += offsets[e];
  std::vector<int32_t> cursor(offsets, offsets + n_experts);
  for (int64_t p = 0; p < n_pairs; ++p) order[cursor[ids[p]]++] = static_cast<int32_t>(p);
}

// y [rows, out] = x [rows, in] · Wᵀ through the CPU dense matmul (its SIMD paths and threads).
void linear(tops_context& ctx, const float* x, int64_t rows, int64_t in, const void* w, tops_dtype wdt, int64_t out,
            float* y) {
  LinearArgs la{};
  la.x = x;
  la.x_stride = in;
  la.w = w;
  la.w_dtype = wdt;
  la.w_stride = in;
  la.bias = nullptr;
  la.bias_dtype = TOPS_F32;
  la.y = y;
  la.y_stride = out;
  la.rows = rows;
  la.in = in;
  la.out = out;
  linear_cpu(ctx, la);
}

inline float silu(float v) { return v / (1.0f + std::exp(-v)); }

void ffn_reference(const FfnArgs& a) {
  const tops_moe_experts& ex = *a.experts;
  const int64_t D = ex.hidden, I = ex.inter, P = a.n_tokens * a.top_k;
  // Widen only the chosen experts' weights.
  std::vector<std::vector<float>> gate(ex.n_experts), up(ex.n_experts), down(ex.n_experts);
  std::vector<const float*> gp(ex.n_experts, nullptr), upp(ex.n_experts, nullptr), dp(ex.n_experts, nullptr);
  auto widen = [&](const void* src, int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[i] = load_f32(src, ex.dtype, i);
    return v;
  };
  for (int64_t p = 0; p < P; ++p) {
    const int32_t e = a.ids[p];
    if (e < 0 || e >= ex.n_experts)
      fail(TOPS_ERR_INVALID_ARG, "ids element " + std::to_string(p) + " is " + std::to_string(e) +
                                     ", outside 0.." + std::to_string(ex.n_experts - 1));
    if (gp[e] != nullptr) continue;
    gate[e] = widen(ex.gate[e], I * D);
    up[e] = widen(ex.up[e], I * D);
    down[e] = widen(ex.down[e], D * I);
    gp[e] = gate[e].data();
    upp[e] = up[e].data();
    dp[e] = down[e].data();
  }
  std::vector<float> x(static_cast<size_t>(a.n_tokens * D));
  for (int64_t t = 0; t < a.n_tokens; ++t) std::copy_n(a.x + t * a.x_stride, D, &x[t * D]);
  std::vector<double> w(a.weights, a.weights + P), y(static_cast<size_t>(a.n_tokens * D));
  ref::moe_experts(x.data(), a.ids, w.data(), a.n_tokens, a.top_k, D, I, gp.data(), upp.data(), dp.data(), y.data());
  for (int64_t t = 0; t < a.n_tokens; ++t) {
    float* yt = a.y + t * a.y_stride;
    for (int64_t d = 0; d < D; ++d) yt[d] = static_cast<float>((a.accumulate ? yt[d] : 0.0) + y[t * D + d]);
  }
}

}  // namespace

void route_cpu(tops_context& ctx, const RouteArgs& a) {
  if (ctx.cpu_path == TOPS_CPU_PATH_REFERENCE) return route_reference(a);
  ctx.pool->parallel_for(a.n_tokens, 4, [&](int64_t t0, int64_t t1) { route_tokens(a, t0, t1); });
}

void dispatch_cpu(tops_context&, const DispatchArgs& a) {
  sort_pairs(a.ids, a.n_pairs, a.n_experts, a.offsets, a.order);
}

void ffn_cpu(tops_context& ctx, const FfnArgs& a) {
  if (ctx.cpu_path == TOPS_CPU_PATH_REFERENCE) return ffn_reference(a);
  const tops_moe_experts& ex = *a.experts;
  const int64_t D = ex.hidden, I = ex.inter, P = a.n_tokens * a.top_k, E = ex.n_experts;
  std::vector<int32_t> offsets(static_cast<size_t>(E + 1)), order(static_cast<size_t>(P));
  sort_pairs(a.ids, P, static_cast<int32_t>(E), offsets.data(), order.data());

  // Row r of the grouped buffers holds pair order[r] (token order[r] / k).
  std::vector<float> xg(static_cast<size_t>(P * D)), gu(static_cast<size_t>(P * 2 * I)), act(static_cast<size_t>(P * I));
  std::vector<float> out(static_cast<size_t>(P * D));
  ctx.pool->parallel_for(P, 8, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) std::copy_n(a.x + (order[r] / a.top_k) * a.x_stride, D, &xg[r * D]);
  });
  for (int64_t e = 0; e < E; ++e) {
    const int64_t r0 = offsets[e], n = offsets[e + 1] - offsets[e];
    if (n == 0) continue;
    float* g = &gu[r0 * 2 * I];  // [n, 2I] when fused, else [n, I] gate then [n, I] up
    if (ex.gate_up_adjacent) {
      linear(ctx, &xg[r0 * D], n, D, ex.gate[e], ex.dtype, 2 * I, g);
    } else {
      linear(ctx, &xg[r0 * D], n, D, ex.gate[e], ex.dtype, I, g);
      linear(ctx, &xg[r0 * D], n, D, ex.up[e], ex.dtype, I, g + n * I);
    }
    for (int64_t r = 0; r < n; ++r) {
      const float* gr = ex.gate_up_adjacent ? g + r * 2 * I : g + r * I;
      const float* ur = ex.gate_up_adjacent ? gr + I : g + n * I + r * I;
      float* ar = &act[(r0 + r) * I];
      for (int64_t i = 0; i < I; ++i) ar[i] = silu(gr[i]) * ur[i];
    }
    linear(ctx, &act[r0 * I], n, I, ex.down[e], ex.dtype, D, &out[r0 * D]);
  }
  std::vector<int32_t> row_of_pair(static_cast<size_t>(P));
  for (int64_t r = 0; r < P; ++r) row_of_pair[order[r]] = static_cast<int32_t>(r);
  ctx.pool->parallel_for(a.n_tokens, 4, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* yt = a.y + t * a.y_stride;
      if (!a.accumulate) std::fill(yt, yt + D, 0.0f);
      for (int64_t j = 0; j < a.top_k; ++j) {
        const float w = a.weights[t * a.top_k + j];
        const float* o = &out[row_of_pair[t * a.top_k + j] * D];
        for (int64_t d = 0; d < D; ++d) yt[d] += w * o[d];
      }
    }
  });
}

}  // namespace tops::moe
