// Attention against a double reference (causal with a KV cache prefix, GQA, Dk != Dv, sigmoid
// gate, cu_seqlens segments), plus properties: one key returns V, paged == contiguous, decode
// over a cache == the last row of full attention; KV append; error paths.
#include "test_util.h"

using namespace tops_test;
namespace ops = pio::ops;

namespace {

struct Problem {
  int64_t nq, nk, hq, hkv, dk, dv;
};

// q [nq,hq,dk], k [nk,hkv,dk], v [nk,hkv,dv] contiguous; segs: cu_seqlens or empty.
std::vector<double> reference(const Problem& p, const std::vector<float>& q, const std::vector<float>& k,
                              const std::vector<float>& v, const std::vector<float>* gate, float scale, bool causal,
                              const std::vector<int32_t>& segs) {
  std::vector<double> out(size_t(p.nq * p.hq * p.dv));
  for (int64_t i = 0; i < p.nq; ++i) {
    int64_t lo = 0, hi = causal ? p.nk - p.nq + i + 1 : p.nk;
    if (!segs.empty()) {
      for (size_t s = 0; s + 1 < segs.size(); ++s)
        if (i >= segs[s] && i < segs[s + 1]) {
          lo = segs[s];
          hi = causal ? i + 1 : segs[s + 1];
        }
    }
    for (int64_t h = 0; h < p.hq; ++h) {
      const int64_t kh = h * p.hkv / p.hq;  // = h / (hq / hkv)
      std::vector<double> s(size_t(p.nk));
      double mx = -1e300;
      for (int64_t j = lo; j < hi; ++j) {
        double d = 0;
        for (int64_t e = 0; e < p.dk; ++e) d += double(q[(i * p.hq + h) * p.dk + e]) * k[(j * p.hkv + kh) * p.dk + e];
        s[size_t(j)] = d * scale;
        mx = std::max(mx, s[size_t(j)]);
      }
      double l = 0;
      for (int64_t j = lo; j < hi; ++j) l += std::exp(s[size_t(j)] - mx);
      for (int64_t e = 0; e < p.dv; ++e) {
        double o = 0;
        for (int64_t j = lo; j < hi; ++j) o += std::exp(s[size_t(j)] - mx) / l * v[(j * p.hkv + kh) * p.dv + e];
        if (gate) o /= 1.0 + std::exp(-double((*gate)[(i * p.hq + h) * p.dv + e]));
        out[size_t((i * p.hq + h) * p.dv + e)] = o;
      }
    }
  }
  return out;
}

// Attention outputs are convex combinations of V rows: the error scale is max |v| (~1).
const Tolerance kAttn{1e-5, 2e-6};

}  // namespace

TEST_CASE("attention matches the double reference on every CPU path", "[kernels][attention]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  const Problem p = GENERATE(Problem{1, 1, 1, 1, 3, 3}, Problem{1, 17, 4, 2, 16, 16}, Problem{5, 5, 2, 1, 17, 9},
                             Problem{7, 130, 6, 3, 32, 24}, Problem{129, 129, 2, 2, 8, 8}, Problem{3, 70, 8, 1, 64, 64},
                             Problem{2, 9, 3, 3, 127, 129});
  const bool causal = GENERATE(true, false);
  const bool gated = GENERATE(false, true);
  CAPTURE(tops_cpu_path_name(path), p.nq, p.nk, p.hq, p.hkv, p.dk, p.dv, causal, gated);
  Context ctx = Context::cpu(2, path);
  std::mt19937 rng(uint32_t(p.nq * 7 + p.nk * 3 + p.dk));
  const auto q = random_floats(size_t(p.nq * p.hq * p.dk), rng);
  const auto k = random_floats(size_t(p.nk * p.hkv * p.dk), rng);
  const auto v = random_floats(size_t(p.nk * p.hkv * p.dv), rng);
  const auto g = random_floats(size_t(p.nq * p.hq * p.dv), rng, 3.0f);
  auto out = poisoned(size_t(p.nq * p.hq * p.dv));
  const float scale = 1.0f / std::sqrt(float(p.dk));
  Tensor gt = Tensor::of(g, {p.nq, p.hq, p.dv});
  ops::attention(ctx, Tensor::of(q, {p.nq, p.hq, p.dk}), Tensor::of(k, {p.nk, p.hkv, p.dk}),
                 Tensor::of(v, {p.nk, p.hkv, p.dv}), Tensor::of(out, {p.nq, p.hq, p.dv}), scale,
                 {causal, gated ? &gt : nullptr, nullptr});
  require_close(out, reference(p, q, k, v, gated ? &g : nullptr, scale, causal, {}), kAttn, "attention");
}

TEST_CASE("attention with cu_seqlens attends within segments only", "[kernels][attention]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  const bool causal = GENERATE(false, true);
  CAPTURE(tops_cpu_path_name(path), causal);
  Context ctx = Context::cpu(2, path);
  const Problem p{77, 77, 4, 4, 24, 24};
  std::vector<int32_t> cu = {0, 3, 3, 40, 77};  // includes an empty segment
  std::mt19937 rng(5);
  const auto q = random_floats(size_t(p.nq * p.hq * p.dk), rng);
  const auto k = random_floats(size_t(p.nk * p.hkv * p.dk), rng);
  const auto v = random_floats(size_t(p.nk * p.hkv * p.dv), rng);
  auto out = poisoned(q.size());
  Tensor cut = Tensor::of(cu, {5});
  ops::attention(ctx, Tensor::of(q, {77, 4, 24}), Tensor::of(k, {77, 4, 24}), Tensor::of(v, {77, 4, 24}),
                 Tensor::of(out, {77, 4, 24}), 0.2f, {causal, nullptr, &cut});
  require_close(out, reference(p, q, k, v, nullptr, 0.2f, causal, cu), kAttn, "segments");
}

TEST_CASE("attention properties: one key, decode == last row, paged == contiguous", "[kernels][attention]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  CAPTURE(tops_cpu_path_name(path));
  Context ctx = Context::cpu(2, path);
  std::mt19937 rng(99);

  SECTION("attention over one key returns V") {
    const auto q = random_floats(4 * 32, rng), k = random_floats(2 * 32, rng), v = random_floats(2 * 16, rng);
    auto out = poisoned(4 * 16);
    ops::attention(ctx, Tensor::of(q, {1, 4, 32}), Tensor::of(k, {1, 2, 32}), Tensor::of(v, {1, 2, 16}),
                   Tensor::of(out, {1, 4, 16}), 0.17f);
    for (int h = 0; h < 4; ++h)
      for (int e = 0; e < 16; ++e) CHECK(out[size_t(h * 16 + e)] == v[size_t((h / 2) * 16 + e)]);
  }

  SECTION("decode over a KV cache equals the last row of full causal attention") {
    const int64_t n = 37, hq = 4, hkv = 2, d = 64, cap = 64;
    const auto q = random_floats(size_t(n * hq * d), rng);
    const auto k = random_floats(size_t(n * hkv * d), rng), v = random_floats(size_t(n * hkv * d), rng);
    auto full = poisoned(q.size());
    ops::attention(ctx, Tensor::of(q, {n, hq, d}), Tensor::of(k, {n, hkv, d}), Tensor::of(v, {n, hkv, d}),
                   Tensor::of(full, {n, hq, d}), 0.125f);
    // Fill a cache by prefill (n-1 tokens) + one appended token, then decode the last query.
    std::vector<float> kc(size_t(cap * hkv * d), 0.5f), vc(size_t(cap * hkv * d), 0.5f);
    Tensor kct = Tensor::of(kc, {cap, hkv, d}), vct = Tensor::of(vc, {cap, hkv, d});
    ops::kv_append(ctx, kct, 0, Tensor::of(k, {n, hkv, d}).narrow(0, 0, n - 1));
    ops::kv_append(ctx, vct, 0, Tensor::of(v, {n, hkv, d}).narrow(0, 0, n - 1));
    ops::kv_append(ctx, kct, n - 1, Tensor::of(k, {n, hkv, d}).narrow(0, n - 1, 1));
    ops::kv_append(ctx, vct, n - 1, Tensor::of(v, {n, hkv, d}).narrow(0, n - 1, 1));
    auto last = poisoned(size_t(hq * d));
    ops::attention(ctx, Tensor::of(q, {n, hq, d}).narrow(0, n - 1, 1), kct.narrow(0, 0, n), vct.narrow(0, 0, n),
                   Tensor::of(last, {1, hq, d}), 0.125f);
    std::vector<double> expected(full.end() - hq * d, full.end());
    require_close(last, expected, Tolerance{1e-6, 1e-6}, "decode vs full");
  }

  SECTION("paged attention equals contiguous attention") {
    const int64_t nq = 5, nk = 45, hq = 6, hkv = 2, dk = 32, dv = 16, bs = 16, n_blocks = 7;
    const auto q = random_floats(size_t(nq * hq * dk), rng);
    const auto k = random_floats(size_t(nk * hkv * dk), rng), v = random_floats(size_t(nk * hkv * dv), rng);
    const auto g = random_floats(size_t(nq * hq * dv), rng);
    std::vector<float> kp(size_t(n_blocks * bs * hkv * dk), 9.0f), vp(size_t(n_blocks * bs * hkv * dv), 9.0f);
    std::vector<int32_t> table = {5, 0, 3};  // scattered physical blocks
    Tensor kpt = Tensor::of(kp, {n_blocks, bs, hkv, dk}), vpt = Tensor::of(vp, {n_blocks, bs, hkv, dv});
    Tensor tt = Tensor::of(table, {3});
    // Append in two steps (prefill 40, then 5) across a block boundary.
    ops::paged_kv_append(ctx, kpt, vpt, tt, 0, Tensor::of(k, {nk, hkv, dk}).narrow(0, 0, 40),
                         Tensor::of(v, {nk, hkv, dv}).narrow(0, 0, 40));
    ops::paged_kv_append(ctx, kpt, vpt, tt, 40, Tensor::of(k, {nk, hkv, dk}).narrow(0, 40, 5),
                         Tensor::of(v, {nk, hkv, dv}).narrow(0, 40, 5));
    auto paged = poisoned(size_t(nq * hq * dv)), contiguous = poisoned(size_t(nq * hq * dv));
    Tensor gt = Tensor::of(g, {nq, hq, dv});
    ops::paged_attention(ctx, Tensor::of(q, {nq, hq, dk}), kpt, vpt, tt, nk, Tensor::of(paged, {nq, hq, dv}), 0.3f, true,
                         &gt);
    ops::attention(ctx, Tensor::of(q, {nq, hq, dk}), Tensor::of(k, {nk, hkv, dk}), Tensor::of(v, {nk, hkv, dv}),
                   Tensor::of(contiguous, {nq, hq, dv}), 0.3f, {true, &gt, nullptr});
    std::vector<double> expected(contiguous.begin(), contiguous.end());
    require_close(paged, expected, Tolerance{1e-6, 1e-7}, "paged vs contiguous");
    CHECK(kp[size_t(1 * bs * hkv * dk)] == 9.0f);  // block 1 is not in the table: untouched
  }
}

TEST_CASE("attention reports bad arguments", "[kernels][attention][errors]") {
  Context ctx = Context::cpu(1);
  std::vector<float> q(4 * 3 * 8, 0.5f), k(4 * 2 * 8, 0.5f), v(4 * 2 * 8, 0.5f), out(4 * 3 * 8);
  require_error(TOPS_ERR_SHAPE_MISMATCH, [&] {  // 3 q heads over 2 kv heads
    ops::attention(ctx, Tensor::of(q, {4, 3, 8}), Tensor::of(k, {4, 2, 8}), Tensor::of(v, {4, 2, 8}),
                   Tensor::of(out, {4, 3, 8}), 1.0f);
  });
  require_error(TOPS_ERR_SHAPE_MISMATCH, [&] {  // causal with fewer keys than queries
    ops::attention(ctx, Tensor::of(q, {4, 3, 8}).narrow(0, 0, 4), Tensor::of(k, {4, 2, 8}).narrow(0, 0, 2).narrow(1, 0, 1),
                   Tensor::of(v, {4, 2, 8}).narrow(0, 0, 2).narrow(1, 0, 1), Tensor::of(out, {4, 3, 8}), 1.0f);
  });
  std::vector<float> cache(10 * 2 * 8);
  require_error(TOPS_ERR_INVALID_ARG,
                [&] { ops::kv_append(ctx, Tensor::of(cache, {10, 2, 8}), 8, Tensor::of(k, {4, 2, 8})); });
  std::vector<float> kp(2 * 4 * 2 * 8), vp(2 * 4 * 2 * 8);
  std::vector<int32_t> bad_table = {0, 7};
  require_error(TOPS_ERR_INVALID_ARG, [&] {
    ops::paged_kv_append(ctx, Tensor::of(kp, {2, 4, 2, 8}), Tensor::of(vp, {2, 4, 2, 8}), Tensor::of(bad_table, {2}), 2,
                         Tensor::of(k, {4, 2, 8}), Tensor::of(v, {4, 2, 8}));
  });
  CHECK(std::string(tops_last_error_message()).find("block_table[1] = 7") != std::string::npos);
}
