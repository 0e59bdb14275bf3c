// Naive double-precision references for the Gated DeltaNet op family (Qwen3-Next linear attention).
//
// They transcribe transformers' qwen3_next functions: causal_conv1d_fn / causal_conv1d_update,
// l2norm, torch_recurrent_gated_delta_rule and torch_chunk_gated_delta_rule, with every value
// kept in double. Layouts are token-major (the layout activations have in the engine):
//   q, k  [T, Hk, dk]   v, out [T, Hv, dv]   g, beta [T, Hv]   state [Hv, dk, dv]
// Value head h reads key head h / (Hv / Hk) (transformers' repeat_interleave). The query is
// scaled by 1/sqrt(dk) after the optional L2 normalisation, as in transformers.
// The conv state holds the last K-1 raw (pre-conv) inputs per channel, [C, K-1], oldest first;
// transformers keeps K columns of which only the last K-1 are ever read.
#pragma once

#include <cstdint>

namespace tops::ref {

// y[t,c] = act( sum_j w[c,j] * u[t-(K-1)+j, c] ) where u = [state | x] along time.
// x [T, C], w [C, K], state [C, K-1] (in/out; updated to the last K-1 inputs), y [T, C].
void causal_conv1d(const float* x, const float* w, double* state, int64_t n_tokens,
                   int64_t channels, int64_t kernel, bool apply_silu, double* y);

// x[r, :] / sqrt(sum(x[r, :]^2) + eps), rows of length dim. in and out may alias.
void l2norm(const double* in, int64_t rows, int64_t dim, double eps, double* out);

struct DeltaRuleShape {
  int64_t n_tokens, k_heads, v_heads, k_dim, v_dim;
};

// Recurrent form: for each token, S = S*exp(g); S += k (beta (v - S^T k))^T; o = S^T (q/sqrt(dk)).
// state [Hv, dk, dv] in/out (pass zeros to start a sequence); out [T, Hv, dv].
void gated_delta_rule_recurrent(const float* q, const float* k, const float* v, const float* g,
                                const float* beta, const DeltaRuleShape& shape, bool l2norm_qk,
                                double* state, double* out);

// Chunked (WY / UT-transform) form with the given chunk size, transcribed from
// torch_chunk_gated_delta_rule; mathematically equal to the recurrent form.
void gated_delta_rule_chunked(const float* q, const float* k, const float* v, const float* g,
                              const float* beta, const DeltaRuleShape& shape, bool l2norm_qk,
                              int64_t chunk, double* state, double* out);

}  // namespace tops::ref
