// CPU backend of the Gated DeltaNet ops: f32 arithmetic, threads over channels / tokens / heads.
//
// The delta rule runs per value head (heads are independent), one head per pool task: the
// recurrent form streams the [dk, dv] state twice per token (decay+read, write+read); the
// chunked form follows transformers' torch_chunk_gated_delta_rule, restricted to the valid rows
// of the last chunk (padding rows have k = v = beta = 0 and contribute nothing).
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/context_impl.h"
#include "core/dtype_load.h"
#include "deltanet/deltanet_impl.h"

namespace tops::deltanet {
namespace {

inline float silu(float x) { return x / (1.0f + std::exp(-x)); }

// Torch's softplus with beta 1 and threshold 20.
inline float softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }

}  // namespace

void conv1d_cpu(tops_context& ctx, const Conv1dArgs& a) {
  const int64_t K = a.kernel, past = K - 1, C = a.channels, T = a.n_tokens;
  std::vector<float> w(static_cast<size_t>(C * K));
  for (int64_t i = 0; i < C * K; ++i) w[i] = load_f32(a.weight, a.weight_dtype, i);
  // Input at window position p (0 .. past+T-1) of channel c: the state for p < past.
  auto input = [&](int64_t p, int64_t c) -> float {
    if (p >= past) return a.x[(p - past) * a.x_stride + c];
    return a.state ? a.state[c * past + p] : 0.0f;
  };
  // Tokens in parallel; the inner loop over channels is contiguous in x and y.
  ctx.pool->parallel_for(T, 16, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* yt = a.y + t * a.y_stride;
      for (int64_t c = 0; c < C; ++c) {
        float acc = 0.0f;
        for (int64_t j = 0; j < K; ++j) acc += w[c * K + j] * input(t + j, c);
        yt[c] = a.silu ? silu(acc) : acc;
      }
    }
  });
  if (a.state && past > 0) {
    // New state[j] = window[T + j]; reading index T + j > j of the old state before writing j
    // keeps the in-place shift correct.
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t j = 0; j < past; ++j) a.state[c * past + j] = input(T + j, c);
    }
  }
}

void l2norm_cpu(tops_context& ctx, const L2NormArgs& a) {
  ctx.pool->parallel_for(a.rows, 64, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* x = a.x + r * a.x_stride;
      float* y = a.y + r * a.y_stride;
      float sum = 0.0f;
      for (int64_t d = 0; d < a.dim; ++d) sum += x[d] * x[d];
      const float inv = 1.0f / std::sqrt(sum + a.eps);
      for (int64_t d = 0; d < a.dim; ++d) y[d] = x[d] * inv;
    }
  });
}

void gates_cpu(tops_context& ctx, const GatesArgs& a) {
  const int64_t H = a.v_heads;
  std::vector<float> decay_rate(static_cast<size_t>(H)), dt_bias(static_cast<size_t>(H));
  for (int64_t h = 0; h < H; ++h) {
    decay_rate[h] = std::exp(load_f32(a.a_log, a.a_log_dtype, h));
    dt_bias[h] = load_f32(a.dt_bias, a.dt_bias_dtype, h);
  }
  ctx.pool->parallel_for(a.n_tokens, 64, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      for (int64_t h = 0; h < H; ++h) {
        const float av = a.a[t * a.a_stride + h];
        const float bv = a.b[t * a.b_stride + h];
        a.g[t * a.g_stride + h] = -decay_rate[h] * softplus(av + dt_bias[h]);
        a.beta[t * a.beta_stride + h] = 1.0f / (1.0f + std::exp(-bv));
      }
    }
  });
}

namespace {

// q/k row of token t for key head kh, copied, optionally L2-normalised, and scaled by `scale`.
void load_qk(const float* src, int64_t dk, bool l2norm, float scale, float* dst) {
  float inv = 1.0f;
  if (l2norm) {
    float sum = 0.0f;
    for (int64_t i = 0; i < dk; ++i) sum += src[i] * src[i];
    inv = 1.0f / std::sqrt(sum + 1e-6f);
  }
  for (int64_t i = 0; i < dk; ++i) dst[i] = src[i] * inv * scale;
}

void recurrent_head(const DeltaRuleArgs& a, int64_t h) {
  const int64_t dk = a.k_dim, dv = a.v_dim, kh = h / (a.v_heads / a.k_heads);
  const float scale = 1.0f / std::sqrt(float(dk));
  float* S = a.state + h * dk * dv;
  std::vector<float> q(static_cast<size_t>(dk)), k(q.size()), mem(static_cast<size_t>(dv));
  for (int64_t t = 0; t < a.n_tokens; ++t) {
    load_qk(a.q + t * a.q_st + kh * a.q_sh, dk, a.l2norm_qk, scale, q.data());
    load_qk(a.k + t * a.k_st + kh * a.k_sh, dk, a.l2norm_qk, 1.0f, k.data());
    const float* v = a.v + t * a.v_st + h * a.v_sh;
    const float decay = std::exp(a.g[t * a.g_st + h]);
    const float beta = a.beta[t * a.beta_st + h];
    std::fill(mem.begin(), mem.end(), 0.0f);
    for (int64_t i = 0; i < dk; ++i) {  // decay, then read kᵀS with the decayed state
      float* row = S + i * dv;
      const float ki = k[i];
      for (int64_t j = 0; j < dv; ++j) {
        row[j] *= decay;
        mem[j] += row[j] * ki;
      }
    }
    for (int64_t j = 0; j < dv; ++j) mem[j] = (v[j] - mem[j]) * beta;
    float* o = a.out + t * a.out_st + h * a.out_sh;
    std::fill(o, o + dv, 0.0f);
    for (int64_t i = 0; i < dk; ++i) {  // write k deltaᵀ, then read qᵀS after the write
      float* row = S + i * dv;
      const float ki = k[i], qi = q[i];
      for (int64_t j = 0; j < dv; ++j) {
        row[j] += ki * mem[j];
        o[j] += row[j] * qi;
      }
    }
  }
}

void chunked_head(const DeltaRuleArgs& a, int64_t h) {
  const int64_t dk = a.k_dim, dv = a.v_dim, kh = h / (a.v_heads / a.k_heads), C = a.chunk;
  const float scale = 1.0f / std::sqrt(float(dk));
  float* S = a.state + h * dk * dv;
  const size_t c = static_cast<size_t>(C);
  std::vector<float> Q(c * dk), K(c * dk), U(c * dv), W(c * dk), gam(c), beta(c);
  std::vector<float> L(c * c), A(c * c), WS(c * dv);
  for (int64_t t0 = 0; t0 < a.n_tokens; t0 += C) {
    const int64_t n = std::min(C, a.n_tokens - t0);
    float run = 0.0f;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t t = t0 + i;
      load_qk(a.q + t * a.q_st + kh * a.q_sh, dk, a.l2norm_qk, scale, &Q[i * dk]);
      load_qk(a.k + t * a.k_st + kh * a.k_sh, dk, a.l2norm_qk, 1.0f, &K[i * dk]);
      run += a.g[t * a.g_st + h];
      gam[i] = run;
      beta[i] = a.beta[t * a.beta_st + h];
    }
    // L = strict_lower(beta_i k_i·k_j exp(gam_i - gam_j)), A = lower(q_i·k_j exp(gam_i - gam_j)).
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j <= i; ++j) {
        float kk = 0.0f, qk = 0.0f;
        for (int64_t d = 0; d < dk; ++d) {
          kk += K[i * dk + d] * K[j * dk + d];
          qk += Q[i * dk + d] * K[j * dk + d];
        }
        const float decay = std::exp(gam[i] - gam[j]);
        L[i * C + j] = i > j ? beta[i] * kk * decay : 0.0f;
        A[i * C + j] = qk * decay;
      }
    }
    // Forward substitution: (I + L) U = diag(beta) V, (I + L) W = diag(beta exp(gam)) K.
    for (int64_t i = 0; i < n; ++i) {
      const float* v = a.v + (t0 + i) * a.v_st + h * a.v_sh;
      float* u = &U[i * dv];
      float* w = &W[i * dk];
      const float bw = beta[i] * std::exp(gam[i]);
      for (int64_t d = 0; d < dv; ++d) u[d] = beta[i] * v[d];
      for (int64_t d = 0; d < dk; ++d) w[d] = bw * K[i * dk + d];
      for (int64_t j = 0; j < i; ++j) {
        const float l = L[i * C + j];
        for (int64_t d = 0; d < dv; ++d) u[d] -= l * U[j * dv + d];
        for (int64_t d = 0; d < dk; ++d) w[d] -= l * W[j * dk + d];
      }
    }
    // v_new = U - W S (kept in U); WS reused for (Q exp(gam)) S.
    for (int64_t i = 0; i < n; ++i) {
      float* u = &U[i * dv];
      float* qs = &WS[i * dv];
      std::fill(qs, qs + dv, 0.0f);
      const float eg = std::exp(gam[i]);
      for (int64_t e = 0; e < dk; ++e) {
        const float* srow = S + e * dv;
        const float we = W[i * dk + e], qe = Q[i * dk + e] * eg;
        for (int64_t d = 0; d < dv; ++d) {
          u[d] -= we * srow[d];
          qs[d] += qe * srow[d];
        }
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      float* o = a.out + (t0 + i) * a.out_st + h * a.out_sh;
      const float* qs = &WS[i * dv];
      for (int64_t d = 0; d < dv; ++d) o[d] = qs[d];
      for (int64_t j = 0; j <= i; ++j) {
        const float aij = A[i * C + j];
        const float* u = &U[j * dv];
        for (int64_t d = 0; d < dv; ++d) o[d] += aij * u[d];
      }
    }
    // S = S exp(gam_last) + sum_i (k_i exp(gam_last - gam_i)) v_new_iᵀ.
    const float last = gam[n - 1], el = std::exp(last);
    for (int64_t e = 0; e < dk; ++e) {
      float* srow = S + e * dv;
      for (int64_t d = 0; d < dv; ++d) srow[d] *= el;
      for (int64_t i = 0; i < n; ++i) {
        const float ke = K[i * dk + e] * std::exp(last - gam[i]);
        const float* u = &U[i * dv];
        for (int64_t d = 0; d < dv; ++d) srow[d] += ke * u[d];
      }
    }
  }
}

}  // namespace

void delta_rule_cpu(tops_context& ctx, const DeltaRuleArgs& a) {
  if (a.n_tokens == 0) return;
  ctx.pool->parallel_for(a.v_heads, 1, [&](int64_t h0, int64_t h1) {
    for (int64_t h = h0; h < h1; ++h) {
      if (a.chunked) {
        chunked_head(a, h);
      } else {
        recurrent_head(a, h);
      }
    }
  });
}

}  // namespace tops::deltanet
