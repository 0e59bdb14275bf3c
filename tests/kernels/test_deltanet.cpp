// Gated DeltaNet ops on the CPU: the f32 backend against the double-precision reference path
// (TOPS_CPU_PATH_REFERENCE, a transcription of transformers' qwen3_next functions), chunked ==
// recurrent, state carried across calls == one call over the concatenation, conv decode steps ==
// prefill, and the named error paths.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "test_moe_common.h"

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct DeltaCase {
  int64_t T, Hk, Hv, dk, dv;
};

struct DeltaInputs {
  DeltaCase c;
  std::vector<float> q, k, v, g, beta, state0;
};

DeltaInputs make_delta_inputs(const DeltaCase& c, uint32_t seed) {
  DeltaInputs in{c, {}, {}, {}, {}, {}, {}};
  in.q = kt::nonzero(size_t(c.T * c.Hk * c.dk), 0.1f, 1.0f, seed);
  in.k = kt::nonzero(size_t(c.T * c.Hk * c.dk), 0.1f, 1.0f, seed + 1);
  in.v = kt::nonzero(size_t(c.T * c.Hv * c.dv), 0.1f, 1.0f, seed + 2);
  in.g = kt::uniform(size_t(c.T * c.Hv), -0.6f, -0.01f, seed + 3);  // log decay: exp(g) in (0.55, 0.99)
  in.beta = kt::uniform(size_t(c.T * c.Hv), 0.05f, 0.95f, seed + 4);
  in.state0 = kt::nonzero(size_t(c.Hv * c.dk * c.dv), 0.01f, 0.3f, seed + 5);
  return in;
}

// Runs tokens [t0, t1) of `in` from `state` (updated) into out rows [t0, t1).
void run_delta(tops_context* ctx, const DeltaInputs& in, int64_t t0, int64_t t1, tops_delta_rule_mode mode,
               int32_t chunk, std::vector<float>& state, std::vector<float>& out) {
  const auto& c = in.c;
  const int64_t n = t1 - t0;
  const tops_tensor q = kt::view(&in.q[t0 * c.Hk * c.dk], TOPS_F32, {n, c.Hk, c.dk});
  const tops_tensor k = kt::view(&in.k[t0 * c.Hk * c.dk], TOPS_F32, {n, c.Hk, c.dk});
  const tops_tensor v = kt::view(&in.v[t0 * c.Hv * c.dv], TOPS_F32, {n, c.Hv, c.dv});
  const tops_tensor g = kt::view(&in.g[t0 * c.Hv], TOPS_F32, {n, c.Hv});
  const tops_tensor b = kt::view(&in.beta[t0 * c.Hv], TOPS_F32, {n, c.Hv});
  tops_tensor s = kt::view(state.data(), TOPS_F32, {c.Hv, c.dk, c.dv});
  tops_tensor o = kt::view(&out[t0 * c.Hv * c.dv], TOPS_F32, {n, c.Hv, c.dv});
  tops_delta_rule_params p;
  tops_delta_rule_params_init(&p);
  p.mode = mode;
  p.chunk_size = chunk;
  KT_OK(tops_gated_delta_rule(ctx, &q, &k, &v, &g, &b, &p, &s, &o));
}

struct DeltaResult {
  std::vector<float> out, state;
};

DeltaResult delta_once(tops_context* ctx, const DeltaInputs& in, tops_delta_rule_mode mode, int32_t chunk = 64) {
  DeltaResult r{std::vector<float>(size_t(in.c.T * in.c.Hv * in.c.dv), kNaN), in.state0};
  run_delta(ctx, in, 0, in.c.T, mode, chunk, r.state, r.out);
  return r;
}

}  // namespace

TEST_CASE("deltanet: gated delta rule, recurrent and chunked against the reference", "[deltanet]") {
  const DeltaCase c = GENERATE(DeltaCase{1, 1, 1, 4, 4}, DeltaCase{5, 2, 2, 8, 8}, DeltaCase{63, 2, 4, 16, 24},
                               DeltaCase{64, 1, 3, 7, 5}, DeltaCase{150, 2, 4, 16, 24}, DeltaCase{129, 3, 3, 32, 17});
  CAPTURE(c.T, c.Hk, c.Hv, c.dk, c.dv);
  const DeltaInputs in = make_delta_inputs(c, 100 + uint32_t(c.T));
  auto ref_ctx = kt::cpu_context(TOPS_CPU_PATH_REFERENCE, 1);
  auto ctx = kt::cpu_context();
  const DeltaResult ref = delta_once(ref_ctx.get(), in, TOPS_DELTA_RULE_RECURRENT);
  const DeltaResult ref_chunked = delta_once(ref_ctx.get(), in, TOPS_DELTA_RULE_CHUNKED);
  const DeltaResult rec = delta_once(ctx.get(), in, TOPS_DELTA_RULE_RECURRENT);
  const DeltaResult chk = delta_once(ctx.get(), in, TOPS_DELTA_RULE_CHUNKED);
  // The double-precision chunked transcription equals the recurrent one (algebra check).
  kt::require_close(ref_chunked.out, ref.out, 1e-6, 1e-6, "reference chunked vs recurrent out");
  kt::require_close(ref_chunked.state, ref.state, 1e-6, 1e-6, "reference chunked vs recurrent state");
  kt::require_close(rec.out, ref.out, 2e-5, 1e-4, "recurrent out");
  kt::require_close(rec.state, ref.state, 2e-5, 1e-4, "recurrent state");
  kt::require_close(chk.out, ref.out, 2e-5, 1e-4, "chunked out");
  kt::require_close(chk.state, ref.state, 2e-5, 1e-4, "chunked state");
  kt::require_close(chk.out, rec.out, 1e-4, 1e-4, "chunked vs recurrent out");
}

TEST_CASE("deltanet: small chunk sizes equal the recurrent form", "[deltanet]") {
  const int32_t chunk = GENERATE(1, 3, 16, 64);
  CAPTURE(chunk);
  const DeltaInputs in = make_delta_inputs({37, 2, 4, 9, 11}, 7);
  auto ctx = kt::cpu_context();
  const DeltaResult rec = delta_once(ctx.get(), in, TOPS_DELTA_RULE_RECURRENT);
  const DeltaResult chk = delta_once(ctx.get(), in, TOPS_DELTA_RULE_CHUNKED, chunk);
  kt::require_close(chk.out, rec.out, 1e-4, 1e-4, "out");
  kt::require_close(chk.state, rec.state, 1e-4, 1e-4, "state");
}

TEST_CASE("deltanet: state carried across calls equals one call over the concatenation", "[deltanet]") {
  const DeltaInputs in = make_delta_inputs({140, 2, 4, 16, 12}, 11);
  auto ctx = kt::cpu_context();
  const DeltaResult whole = delta_once(ctx.get(), in, TOPS_DELTA_RULE_CHUNKED);
  // Prefill pieces (chunked, incl. a piece shorter than a chunk), then decode steps (recurrent).
  const tops_delta_rule_mode piece_mode = GENERATE(as<tops_delta_rule_mode>{}, TOPS_DELTA_RULE_CHUNKED, TOPS_DELTA_RULE_AUTO);
  std::vector<float> state = in.state0, out(whole.out.size(), kNaN);
  run_delta(ctx.get(), in, 0, 70, piece_mode, 64, state, out);
  run_delta(ctx.get(), in, 70, 100, piece_mode, 64, state, out);
  for (int64_t t = 100; t < in.c.T; ++t) run_delta(ctx.get(), in, t, t + 1, TOPS_DELTA_RULE_RECURRENT, 64, state, out);
  kt::require_close(out, whole.out, 1e-4, 1e-4, "out");
  kt::require_close(state, whole.state, 1e-4, 1e-4, "state");
}

TEST_CASE("deltanet: causal conv1d prefill, decode steps and carried state", "[deltanet]") {
  const int64_t T = GENERATE(1, 3, 17), C = GENERATE(1, 13), K = GENERATE(1, 4);
  const tops_dtype wdt = GENERATE(as<tops_dtype>{}, TOPS_F32, TOPS_BF16, TOPS_F16);
  CAPTURE(T, C, K, tops_dtype_name(wdt));
  const auto x = kt::nonzero(size_t(T * C), 0.1f, 2.0f, 21);
  const kt::Weights w = kt::make_weights(wdt, kt::nonzero(size_t(C * K), 0.1f, 1.0f, 22));
  const auto state0 = kt::nonzero(size_t(C * (K - 1)), 0.1f, 1.0f, 23);
  auto ctx = kt::cpu_context();
  auto ref_ctx = kt::cpu_context(TOPS_CPU_PATH_REFERENCE, 1);

  // Expected values straight from the definition, in double.
  std::vector<double> want(size_t(T * C));
  for (int64_t t = 0; t < T; ++t)
    for (int64_t c = 0; c < C; ++c) {
      double acc = 0.0;
      for (int64_t j = 0; j < K; ++j) {
        const int64_t p = t - (K - 1) + j;  // position in x; negative = state
        const double u = p >= 0 ? x[p * C + c] : state0[c * (K - 1) + (K - 1 + p)];
        acc += double(w.f32[c * K + j]) * u;
      }
      want[t * C + c] = acc / (1.0 + std::exp(-acc));
    }

  const tops_tensor xt = kt::view(x.data(), TOPS_F32, {T, C});
  const tops_tensor wt = kt::view(w.data(), wdt, {C, K});
  for (tops_context* c : {ctx.get(), ref_ctx.get()}) {
    std::vector<float> state = state0, y(size_t(T * C), kNaN);
    tops_tensor st = kt::view(state.data(), TOPS_F32, {C, K - 1});
    tops_tensor yt = kt::view(y.data(), TOPS_F32, {T, C});
    KT_OK(tops_causal_conv1d(c, &xt, &wt, &st, TOPS_CONV1D_SILU, &yt));
    kt::require_close(y, want, 1e-5, 1e-5, "prefill");
    // The new state is the last K-1 inputs of [state0 | x].
    for (int64_t ch = 0; ch < C; ++ch)
      for (int64_t j = 0; j < K - 1; ++j) {
        const int64_t p = T + j - (K - 1);
        const float u = p >= 0 ? x[p * C + ch] : state0[ch * (K - 1) + (K - 1 + p)];
        REQUIRE(state[ch * (K - 1) + j] == u);
      }
  }
  // Decode: one token per call with the carried state gives the same outputs.
  std::vector<float> state = state0, y(size_t(T * C), kNaN);
  tops_tensor st = kt::view(state.data(), TOPS_F32, {C, K - 1});
  for (int64_t t = 0; t < T; ++t) {
    const tops_tensor x1 = kt::view(&x[t * C], TOPS_F32, {1, C});
    tops_tensor y1 = kt::view(&y[t * C], TOPS_F32, {1, C});
    KT_OK(tops_causal_conv1d(ctx.get(), &x1, &wt, &st, TOPS_CONV1D_SILU, &y1));
  }
  kt::require_close(y, want, 1e-5, 1e-5, "decode steps");
}

TEST_CASE("deltanet: conv1d without state is HF's zero left padding, without SiLU is linear", "[deltanet]") {
  const int64_t T = 9, C = 5, K = 4;
  const auto x = kt::nonzero(size_t(T * C), 0.1f, 2.0f, 31);
  const auto w = kt::nonzero(size_t(C * K), 0.1f, 1.0f, 32);
  auto ctx = kt::cpu_context();
  std::vector<float> y(size_t(T * C), kNaN);
  const tops_tensor xt = kt::view(x.data(), TOPS_F32, {T, C});
  const tops_tensor wt = kt::view(w.data(), TOPS_F32, {C, K});
  tops_tensor yt = kt::view(y.data(), TOPS_F32, {T, C});
  KT_OK(tops_causal_conv1d(ctx.get(), &xt, &wt, nullptr, 0, &yt));
  std::vector<double> want(size_t(T * C), 0.0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t j = 0; j < K; ++j)
        if (t - (K - 1) + j >= 0) want[t * C + c] += double(w[c * K + j]) * x[(t - (K - 1) + j) * C + c];
  kt::require_close(y, want, 1e-5, 1e-5, "no state, no silu");
}

TEST_CASE("deltanet: l2norm and gates", "[deltanet]") {
  auto ctx = kt::cpu_context();
  const int64_t rows = 7, dim = 33;
  const auto x = kt::nonzero(size_t(rows * dim), 0.1f, 3.0f, 41);
  std::vector<float> y(x.size(), kNaN);
  const tops_tensor xt = kt::view(x.data(), TOPS_F32, {rows, dim});
  tops_tensor yt = kt::view(y.data(), TOPS_F32, {rows, dim});
  KT_OK(tops_l2norm(ctx.get(), &xt, 1e-6f, &yt));
  std::vector<double> want(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0.0;
    for (int64_t d = 0; d < dim; ++d) s += double(x[r * dim + d]) * x[r * dim + d];
    for (int64_t d = 0; d < dim; ++d) want[r * dim + d] = x[r * dim + d] / std::sqrt(s + 1e-6);
  }
  kt::require_close(y, want, 1e-6, 1e-5, "l2norm");

  const int64_t T = 6, H = 5;
  auto a = kt::nonzero(size_t(T * H), 0.1f, 4.0f, 42);
  a[3] = 25.0f;  // above softplus' threshold 20: softplus(x) = x
  const auto b = kt::nonzero(size_t(T * H), 0.1f, 4.0f, 43);
  const kt::Weights a_log = kt::make_weights(TOPS_BF16, kt::uniform(size_t(H), 0.0f, 2.7f, 44));
  const auto dt_bias = kt::nonzero(size_t(H), 0.1f, 1.0f, 45);
  std::vector<float> g(size_t(T * H), kNaN), beta(size_t(T * H), kNaN);
  const tops_tensor at = kt::view(a.data(), TOPS_F32, {T, H}), bt = kt::view(b.data(), TOPS_F32, {T, H});
  const tops_tensor alt = kt::view(a_log.data(), TOPS_BF16, {H}), dtt = kt::view(dt_bias.data(), TOPS_F32, {H});
  tops_tensor gt = kt::view(g.data(), TOPS_F32, {T, H}), btt = kt::view(beta.data(), TOPS_F32, {T, H});
  KT_OK(tops_deltanet_gates(ctx.get(), &at, &bt, &alt, &dtt, &gt, &btt));
  std::vector<double> want_g(g.size()), want_b(g.size());
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < H; ++h) {
      const double z = double(a[t * H + h]) + dt_bias[h];
      const double sp = z > 20.0 ? z : std::log1p(std::exp(z));
      want_g[t * H + h] = -std::exp(double(a_log.f32[h])) * sp;
      want_b[t * H + h] = 1.0 / (1.0 + std::exp(-double(b[t * H + h])));
    }
  kt::require_close(g, want_g, 1e-5, 1e-5, "g");
  kt::require_close(beta, want_b, 1e-6, 1e-5, "beta");
}

TEST_CASE("deltanet: named errors", "[deltanet]") {
  auto ctx = kt::cpu_context();
  const DeltaInputs in = make_delta_inputs({4, 2, 4, 8, 8}, 51);
  std::vector<float> state = in.state0, out(size_t(4 * 4 * 8), 0.0f);
  tops_tensor q = kt::view(in.q.data(), TOPS_F32, {4, 2, 8});
  tops_tensor k = kt::view(in.k.data(), TOPS_F32, {4, 2, 8});
  tops_tensor v = kt::view(in.v.data(), TOPS_F32, {4, 4, 8});
  tops_tensor g = kt::view(in.g.data(), TOPS_F32, {4, 4});
  tops_tensor b = kt::view(in.beta.data(), TOPS_F32, {4, 4});
  tops_tensor s = kt::view(state.data(), TOPS_F32, {4, 8, 8});
  tops_tensor o = kt::view(out.data(), TOPS_F32, {4, 4, 8});
  tops_delta_rule_params p;
  tops_delta_rule_params_init(&p);
  KT_OK(tops_gated_delta_rule(ctx.get(), &q, &k, &v, &g, &b, &p, &s, &o));

  CHECK(tops_gated_delta_rule(ctx.get(), nullptr, &k, &v, &g, &b, &p, &s, &o) == TOPS_ERR_NULL_POINTER);
  CHECK(std::string(tops_last_error_message()).find("q is NULL") != std::string::npos);
  CHECK(tops_gated_delta_rule(nullptr, &q, &k, &v, &g, &b, &p, &s, &o) == TOPS_ERR_NULL_POINTER);
  CHECK(tops_gated_delta_rule(ctx.get(), &q, &k, &v, &g, &b, nullptr, &s, &o) == TOPS_ERR_NULL_POINTER);

  tops_tensor bad_state = kt::view(state.data(), TOPS_F32, {4, 8, 7});
  CHECK(tops_gated_delta_rule(ctx.get(), &q, &k, &v, &g, &b, &p, &bad_state, &o) == TOPS_ERR_SHAPE_MISMATCH);
  CHECK(std::string(tops_last_error_message()).find("state") != std::string::npos);

  tops_tensor v3 = kt::view(in.v.data(), TOPS_F32, {4, 3, 8});  // 3 value heads, 2 key heads
  tops_tensor o3 = kt::view(out.data(), TOPS_F32, {4, 3, 8});
  CHECK(tops_gated_delta_rule(ctx.get(), &q, &k, &v3, &g, &b, &p, &s, &o3) == TOPS_ERR_SHAPE_MISMATCH);

  tops_tensor q_i32 = q;
  q_i32.dtype = TOPS_I32;
  CHECK(tops_gated_delta_rule(ctx.get(), &q_i32, &k, &v, &g, &b, &p, &s, &o) == TOPS_ERR_DTYPE);

  tops_tensor q_gpu = q;
  q_gpu.device = TOPS_DEVICE_CUDA;
  CHECK(tops_gated_delta_rule(ctx.get(), &q_gpu, &k, &v, &g, &b, &p, &s, &o) == TOPS_ERR_DEVICE_MISMATCH);

  tops_delta_rule_params bad = p;
  bad.chunk_size = 0;
  CHECK(tops_gated_delta_rule(ctx.get(), &q, &k, &v, &g, &b, &bad, &s, &o) == TOPS_ERR_INVALID_ARG);
  bad = p;
  bad.mode = 7;
  CHECK(tops_gated_delta_rule(ctx.get(), &q, &k, &v, &g, &b, &bad, &s, &o) == TOPS_ERR_INVALID_ARG);
  bad = p;
  bad.struct_size = 4;
  CHECK(tops_gated_delta_rule(ctx.get(), &q, &k, &v, &g, &b, &bad, &s, &o) == TOPS_ERR_INVALID_ARG);

  tops_tensor o_alias = kt::view(const_cast<float*>(in.v.data()), TOPS_F32, {4, 4, 8});
  CHECK(tops_gated_delta_rule(ctx.get(), &q, &k, &v, &g, &b, &p, &s, &o_alias) == TOPS_ERR_INVALID_ARG);

  // Conv: wrong state width, weight channel count, unknown flag.
  const auto x = kt::nonzero(20, 0.1f, 1.0f, 52);
  const auto w = kt::nonzero(20, 0.1f, 1.0f, 53);
  std::vector<float> cs(15, 0.0f), y(20, 0.0f);
  tops_tensor xt = kt::view(x.data(), TOPS_F32, {4, 5});
  tops_tensor wt = kt::view(w.data(), TOPS_F32, {5, 4});
  tops_tensor st = kt::view(cs.data(), TOPS_F32, {5, 3});
  tops_tensor yt = kt::view(y.data(), TOPS_F32, {4, 5});
  KT_OK(tops_causal_conv1d(ctx.get(), &xt, &wt, &st, TOPS_CONV1D_SILU, &yt));
  tops_tensor st_bad = kt::view(cs.data(), TOPS_F32, {5, 4});
  CHECK(tops_causal_conv1d(ctx.get(), &xt, &wt, &st_bad, TOPS_CONV1D_SILU, &yt) == TOPS_ERR_SHAPE_MISMATCH);
  tops_tensor wt_bad = kt::view(w.data(), TOPS_F32, {4, 5});
  CHECK(tops_causal_conv1d(ctx.get(), &xt, &wt_bad, &st, TOPS_CONV1D_SILU, &yt) == TOPS_ERR_SHAPE_MISMATCH);
  CHECK(tops_causal_conv1d(ctx.get(), &xt, &wt, &st, 8, &yt) == TOPS_ERR_INVALID_ARG);
  CHECK(tops_l2norm(ctx.get(), &xt, -1.0f, &yt) == TOPS_ERR_INVALID_ARG);
}
