// Naive double-precision Gated DeltaNet references; see deltanet_ref.h for the contract.
#include "deltanet/deltanet_ref.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tops::ref {
namespace {

double silu(double v) { return v / (1.0 + std::exp(-v)); }

// One head's inputs gathered into double rows: q and k normalised (optionally) and q scaled.
struct HeadInputs {
  std::vector<double> q, k, v, g, beta;  // [T, dk], [T, dk], [T, dv], [T], [T]
};

HeadInputs gather_head(const float* q, const float* k, const float* v, const float* g,
                       const float* beta, const DeltaRuleShape& s, bool l2norm_qk,
                       int64_t v_head) {
  const int64_t kh = v_head / (s.v_heads / s.k_heads);
  HeadInputs h;
  h.q.resize(static_cast<size_t>(s.n_tokens * s.k_dim));
  h.k.resize(h.q.size());
  h.v.resize(static_cast<size_t>(s.n_tokens * s.v_dim));
  h.g.resize(static_cast<size_t>(s.n_tokens));
  h.beta.resize(h.g.size());
  for (int64_t t = 0; t < s.n_tokens; ++t) {
    for (int64_t d = 0; d < s.k_dim; ++d) {
      h.q[t * s.k_dim + d] = q[(t * s.k_heads + kh) * s.k_dim + d];
      h.k[t * s.k_dim + d] = k[(t * s.k_heads + kh) * s.k_dim + d];
    }
    for (int64_t d = 0; d < s.v_dim; ++d) h.v[t * s.v_dim + d] = v[(t * s.v_heads + v_head) * s.v_dim + d];
    h.g[t] = g[t * s.v_heads + v_head];
    h.beta[t] = beta[t * s.v_heads + v_head];
  }
  if (l2norm_qk) {
    l2norm(h.q.data(), s.n_tokens, s.k_dim, 1e-6, h.q.data());
    l2norm(h.k.data(), s.n_tokens, s.k_dim, 1e-6, h.k.data());
  }
  const double scale = 1.0 / std::sqrt(double(s.k_dim));
  for (auto& e : h.q) e *= scale;
  return h;
}

}  // namespace

void causal_conv1d(const float* x, const float* w, double* state, int64_t n_tokens,
                   int64_t channels, int64_t kernel, bool apply_silu, double* y) {
  const int64_t past = kernel - 1;
  std::vector<double> window(static_cast<size_t>(past + n_tokens));
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t j = 0; j < past; ++j) window[j] = state[c * past + j];
    for (int64_t t = 0; t < n_tokens; ++t) window[past + t] = x[t * channels + c];
    for (int64_t t = 0; t < n_tokens; ++t) {
      double acc = 0.0;
      for (int64_t j = 0; j < kernel; ++j) acc += double(w[c * kernel + j]) * window[t + j];
      y[t * channels + c] = apply_silu ? silu(acc) : acc;
    }
    for (int64_t j = 0; j < past; ++j) state[c * past + j] = window[n_tokens + j];
  }
}

void l2norm(const double* in, int64_t rows, int64_t dim, double eps, double* out) {
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (int64_t d = 0; d < dim; ++d) sum += in[r * dim + d] * in[r * dim + d];
    const double inv = 1.0 / std::sqrt(sum + eps);
    for (int64_t d = 0; d < dim; ++d) out[r * dim + d] = in[r * dim + d] * inv;
  }
}

void gated_delta_rule_recurrent(const float* q, const float* k, const float* v, const float* g,
                                const float* beta, const DeltaRuleShape& s, bool l2norm_qk,
                                double* state, double* out) {
  const int64_t dk = s.k_dim, dv = s.v_dim;
  std::vector<double> mem(static_cast<size_t>(dv));
  for (int64_t h = 0; h < s.v_heads; ++h) {
    const HeadInputs in = gather_head(q, k, v, g, beta, s, l2norm_qk, h);
    double* S = state + h * dk * dv;  // [dk, dv]
    for (int64_t t = 0; t < s.n_tokens; ++t) {
      const double decay = std::exp(in.g[t]);
      for (int64_t i = 0; i < dk * dv; ++i) S[i] *= decay;
      for (int64_t j = 0; j < dv; ++j) {
        double m = 0.0;
        for (int64_t i = 0; i < dk; ++i) m += S[i * dv + j] * in.k[t * dk + i];
        mem[j] = (in.v[t * dv + j] - m) * in.beta[t];
      }
      for (int64_t i = 0; i < dk; ++i) {
        for (int64_t j = 0; j < dv; ++j) S[i * dv + j] += in.k[t * dk + i] * mem[j];
      }
      for (int64_t j = 0; j < dv; ++j) {
        double o = 0.0;
        for (int64_t i = 0; i < dk; ++i) o += S[i * dv + j] * in.q[t * dk + i];
        out[(t * s.v_heads + h) * dv + j] = o;
      }
    }
  }
}

void gated_delta_rule_chunked(const float* q, const float* k, const float* v, const float* g,
                              const float* beta, const DeltaRuleShape& s, bool l2norm_qk,
                              int64_t chunk, double* state, double* out) {
  const int64_t dk = s.k_dim, dv = s.v_dim, C = chunk;
  const size_t cc = static_cast<size_t>(C);
  std::vector<double> gam(cc), Gam(cc * cc), L(cc * cc), intra(cc * cc);
  std::vector<double> U(cc * dv), W(cc * dk), vnew(cc * dv);
  for (int64_t h = 0; h < s.v_heads; ++h) {
    const HeadInputs in = gather_head(q, k, v, g, beta, s, l2norm_qk, h);
    double* S = state + h * dk * dv;
    for (int64_t c0 = 0; c0 < s.n_tokens; c0 += C) {
      // Rows past the end are transformers' zero padding: k = v = beta = g = 0.
      const int64_t n = std::min(C, s.n_tokens - c0);
      auto qr = [&](int64_t i, int64_t d) { return i < n ? in.q[(c0 + i) * dk + d] : 0.0; };
      auto kr = [&](int64_t i, int64_t d) { return i < n ? in.k[(c0 + i) * dk + d] : 0.0; };
      auto vr = [&](int64_t i, int64_t d) { return i < n ? in.v[(c0 + i) * dv + d] : 0.0; };
      auto br = [&](int64_t i) { return i < n ? in.beta[c0 + i] : 0.0; };
      double run = 0.0;
      for (int64_t i = 0; i < C; ++i) gam[i] = run += (i < n ? in.g[c0 + i] : 0.0);
      for (int64_t i = 0; i < C; ++i) {
        for (int64_t j = 0; j < C; ++j) {
          Gam[i * C + j] = i >= j ? std::exp(gam[i] - gam[j]) : 0.0;
          double kk = 0.0, qk = 0.0;
          for (int64_t d = 0; d < dk; ++d) {
            kk += kr(i, d) * kr(j, d);
            qk += qr(i, d) * kr(j, d);
          }
          L[i * C + j] = i > j ? br(i) * kk * Gam[i * C + j] : 0.0;
          intra[i * C + j] = qk * Gam[i * C + j];
        }
      }
      // Forward substitution for (I + L) U = diag(beta) V and (I + L) W = diag(beta exp(gam)) K.
      for (int64_t i = 0; i < C; ++i) {
        for (int64_t d = 0; d < dv; ++d) {
          double acc = br(i) * vr(i, d);
          for (int64_t j = 0; j < i; ++j) acc -= L[i * C + j] * U[j * dv + d];
          U[i * dv + d] = acc;
        }
        for (int64_t d = 0; d < dk; ++d) {
          double acc = br(i) * std::exp(gam[i]) * kr(i, d);
          for (int64_t j = 0; j < i; ++j) acc -= L[i * C + j] * W[j * dk + d];
          W[i * dk + d] = acc;
        }
      }
      for (int64_t i = 0; i < C; ++i) {
        for (int64_t d = 0; d < dv; ++d) {
          double ws = 0.0;
          for (int64_t e = 0; e < dk; ++e) ws += W[i * dk + e] * S[e * dv + d];
          vnew[i * dv + d] = U[i * dv + d] - ws;
        }
      }
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t d = 0; d < dv; ++d) {
          double o = 0.0;
          for (int64_t e = 0; e < dk; ++e) o += qr(i, e) * std::exp(gam[i]) * S[e * dv + d];
          for (int64_t j = 0; j <= i; ++j) o += intra[i * C + j] * vnew[j * dv + d];
          out[((c0 + i) * s.v_heads + h) * dv + d] = o;
        }
      }
      const double last = gam[C - 1];
      for (int64_t e = 0; e < dk; ++e) {
        for (int64_t d = 0; d < dv; ++d) {
          double acc = S[e * dv + d] * std::exp(last);
          for (int64_t i = 0; i < C; ++i) acc += kr(i, e) * std::exp(last - gam[i]) * vnew[i * dv + d];
          S[e * dv + d] = acc;
        }
      }
    }
  }
}

}  // namespace tops::ref
