// MoE ops on the CPU: routing properties and values (softmax/top-k/renormalise; sigmoid +
// selection bias + group-limited top-k + routed scaling, against a reference written from the
// GLM spec here), dispatch, grouped expert FFN == the naive per-token loop (reference path), for
// f32/bf16/f16 weights in the per-expert and fused layouts; decode reads only the chosen
// experts (the others are unreadable pages); named errors.
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <vector>

#include "test_moe_common.h"

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Routed {
  std::vector<int32_t> ids;
  std::vector<float> w;
};

Routed route(tops_context* ctx, const std::vector<float>& logits, int64_t T, int64_t E, const tops_moe_router_params& p,
             const std::vector<float>* bias = nullptr) {
  Routed r{std::vector<int32_t>(size_t(T * p.top_k), -1), std::vector<float>(size_t(T * p.top_k), kNaN)};
  const tops_tensor lt = kt::view(logits.data(), TOPS_F32, {T, E});
  tops_tensor bt{};
  if (bias) bt = kt::view(bias->data(), TOPS_F32, {E});
  tops_tensor it = kt::view(r.ids.data(), TOPS_I32, {T, p.top_k});
  tops_tensor wt = kt::view(r.w.data(), TOPS_F32, {T, p.top_k});
  KT_OK(tops_moe_route(ctx, &lt, bias ? &bt : nullptr, &p, &it, &wt));
  return r;
}

}  // namespace

TEST_CASE("moe: softmax routing picks exactly the top-k and renormalises", "[moe]") {
  const int64_t T = GENERATE(1, 7), E = GENERATE(8, 128, 131);
  const int32_t k = GENERATE(1, 3, 8);
  const int normalize = GENERATE(0, 1);
  CAPTURE(T, E, k, normalize);
  const auto logits = kt::nonzero(size_t(T * E), 0.05f, 4.0f, uint32_t(E + k));
  tops_moe_router_params p;
  tops_moe_router_params_init(&p);
  p.top_k = k;
  p.normalize = normalize;
  auto ctx = kt::cpu_context();
  auto ref_ctx = kt::cpu_context(TOPS_CPU_PATH_REFERENCE, 1);
  const Routed got = route(ctx.get(), logits, T, E, p);
  const Routed ref = route(ref_ctx.get(), logits, T, E, p);
  REQUIRE(got.ids == ref.ids);
  kt::require_close(got.w, ref.w, 1e-7, 1e-5, "weights");
  for (int64_t t = 0; t < T; ++t) {
    const float* row = &logits[t * E];
    std::vector<int32_t> all(static_cast<size_t>(E));
    std::iota(all.begin(), all.end(), 0);
    std::stable_sort(all.begin(), all.end(), [&](int32_t a, int32_t b) { return row[a] > row[b]; });
    const std::vector<int32_t> chosen(&got.ids[t * k], &got.ids[t * k] + k);
    REQUIRE(std::set<int32_t>(chosen.begin(), chosen.end()).size() == size_t(k));  // distinct
    REQUIRE(chosen == std::vector<int32_t>(all.begin(), all.begin() + k));          // the k largest, descending
    double mx = row[all[0]], z = 0.0;
    for (int64_t e = 0; e < E; ++e) z += std::exp(double(row[e]) - mx);
    double sum = 0.0, sel = 0.0;
    for (int32_t j = 0; j < k; ++j) {
      sum += got.w[t * k + j];
      sel += std::exp(double(row[chosen[j]]) - mx) / z;
    }
    if (normalize) {
      REQUIRE(sum == Approx(1.0).epsilon(1e-6));
    } else {
      REQUIRE(sum == Approx(sel).epsilon(1e-5));
    }
  }
}

TEST_CASE("moe: sigmoid routing with selection bias, groups and routed scaling (GLM spec)", "[moe]") {
  const int64_t T = 9, E = GENERATE(16, 64);
  const int32_t n_group = GENERATE(1, 4), topk_group = n_group == 1 ? 1 : 2, k = 4;
  const int normalize = GENERATE(0, 1);
  CAPTURE(E, n_group, topk_group, normalize);
  const auto logits = kt::nonzero(size_t(T * E), 0.05f, 3.0f, 61);
  const auto bias = kt::uniform(size_t(E), -0.3f, 0.3f, 62);
  tops_moe_router_params p;
  tops_moe_router_params_init(&p);
  p.scoring = TOPS_MOE_SCORING_SIGMOID;
  p.top_k = k;
  p.normalize = normalize;
  p.n_group = n_group;
  p.topk_group = topk_group;
  p.routed_scaling_factor = 1.8f;
  auto ctx = kt::cpu_context();
  auto ref_ctx = kt::cpu_context(TOPS_CPU_PATH_REFERENCE, 1);
  const Routed got = route(ctx.get(), logits, T, E, p, &bias);
  const Routed ref = route(ref_ctx.get(), logits, T, E, p, &bias);
  REQUIRE(got.ids == ref.ids);
  kt::require_close(got.w, ref.w, 1e-7, 1e-5, "weights vs reference path");

  // Independent check written from docs/models/glm4_moe_lite.md 3.4.
  const int64_t gs = E / n_group;
  int biased_choice_differs = 0;
  for (int64_t t = 0; t < T; ++t) {
    std::vector<double> s(static_cast<size_t>(E)), sc(static_cast<size_t>(E));
    for (int64_t e = 0; e < E; ++e) {
      s[e] = 1.0 / (1.0 + std::exp(-double(logits[t * E + e])));
      sc[e] = s[e] + bias[e];
    }
    std::vector<std::pair<double, int>> groups;
    for (int g = 0; g < n_group; ++g) {
      std::vector<double> m(sc.begin() + g * gs, sc.begin() + (g + 1) * gs);
      std::sort(m.rbegin(), m.rend());
      groups.push_back({m[0] + m[1], g});
    }
    std::stable_sort(groups.begin(), groups.end(), [](auto& a, auto& b) { return a.first > b.first; });
    std::set<int> kept;
    for (int i = 0; i < topk_group; ++i) kept.insert(groups[i].second);
    std::vector<int32_t> order(static_cast<size_t>(E));
    std::iota(order.begin(), order.end(), 0);
    std::vector<double> masked = sc;
    for (int64_t e = 0; e < E; ++e)
      if (!kept.count(int(e / gs))) masked[e] = -std::numeric_limits<double>::infinity();
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return masked[a] > masked[b]; });
    double sum = 0.0;
    for (int j = 0; j < k; ++j) sum += s[order[j]];
    for (int j = 0; j < k; ++j) {
      REQUIRE(got.ids[t * k + j] == order[j]);
      REQUIRE(kept.count(int(order[j] / gs)) == 1);
      const double want = (normalize ? s[order[j]] / (sum + 1e-20) : s[order[j]]) * 1.8;
      REQUIRE(got.w[t * k + j] == Approx(want).epsilon(1e-5));
    }
    std::vector<int32_t> unbiased(static_cast<size_t>(E));
    std::iota(unbiased.begin(), unbiased.end(), 0);
    std::stable_sort(unbiased.begin(), unbiased.end(), [&](int32_t a, int32_t b) { return s[a] > s[b]; });
    if (std::set<int32_t>(unbiased.begin(), unbiased.begin() + k) != std::set<int32_t>(order.begin(), order.begin() + k))
      ++biased_choice_differs;
    if (normalize) {
      double ws = 0.0;
      for (int j = 0; j < k; ++j) ws += got.w[t * k + j];
      REQUIRE(ws == Approx(1.8).epsilon(1e-5));
    }
  }
  INFO("tokens whose choice the bias/groups changed: " << biased_choice_differs);
  CHECK(biased_choice_differs > 0);  // the data exercises the selection-only bias
}

TEST_CASE("moe: dispatch is a stable grouping by expert", "[moe]") {
  const int64_t T = 11, k = 3;
  const int32_t E = 6;
  std::vector<int32_t> ids(size_t(T * k));
  std::mt19937 rng(71);
  for (auto& v : ids) v = int32_t(rng() % E);
  std::vector<int32_t> offsets(size_t(E + 1), -1), order(size_t(T * k), -1);
  auto ctx = kt::cpu_context();
  const tops_tensor it = kt::view(ids.data(), TOPS_I32, {T, k});
  tops_tensor ot = kt::view(offsets.data(), TOPS_I32, {E + 1});
  tops_tensor rt = kt::view(order.data(), TOPS_I32, {T * k});
  KT_OK(tops_moe_dispatch(ctx.get(), &it, E, &ot, &rt));
  REQUIRE(offsets[0] == 0);
  REQUIRE(offsets[E] == T * k);
  for (int32_t e = 0; e < E; ++e) {
    std::vector<int32_t> want;
    for (int32_t p = 0; p < T * k; ++p)
      if (ids[p] == e) want.push_back(p);
    REQUIRE(std::vector<int32_t>(order.begin() + offsets[e], order.begin() + offsets[e + 1]) == want);
  }
  ids[5] = E;  // out of range
  CHECK(tops_moe_dispatch(ctx.get(), &it, E, &ot, &rt) == TOPS_ERR_INVALID_ARG);
  CHECK(std::string(tops_last_error_message()).find("ids element 5") != std::string::npos);
}

namespace {

struct ExpertSet {
  int32_t E;
  int64_t D, I;
  tops_dtype dtype;
  std::vector<kt::Weights> gate, up, down;  // per expert
  kt::Weights gate_up_fused, down_fused;    // the same values in the fused layout
};

ExpertSet make_experts(int32_t E, int64_t D, int64_t I, tops_dtype dtype, uint32_t seed) {
  ExpertSet s{E, D, I, dtype, {}, {}, {}, {dtype, {}, {}}, {dtype, {}, {}}};
  const float scale = 1.0f / std::sqrt(float(D));
  std::vector<float> gu_all, dn_all;
  for (int32_t e = 0; e < E; ++e) {
    s.gate.push_back(kt::make_weights(dtype, kt::nonzero(size_t(I * D), 0.2f * scale, 2.0f * scale, seed + 3 * e)));
    s.up.push_back(kt::make_weights(dtype, kt::nonzero(size_t(I * D), 0.2f * scale, 2.0f * scale, seed + 3 * e + 1)));
    s.down.push_back(kt::make_weights(dtype, kt::nonzero(size_t(D * I), 0.2f * scale, 2.0f * scale, seed + 3 * e + 2)));
    gu_all.insert(gu_all.end(), s.gate[e].f32.begin(), s.gate[e].f32.end());
    gu_all.insert(gu_all.end(), s.up[e].f32.begin(), s.up[e].f32.end());
    dn_all.insert(dn_all.end(), s.down[e].f32.begin(), s.down[e].f32.end());
  }
  s.gate_up_fused = kt::make_weights(dtype, gu_all);  // already representable: exact
  s.down_fused = kt::make_weights(dtype, dn_all);
  return s;
}

struct ExpertsDeleter {
  void operator()(tops_moe_experts* e) const { tops_moe_experts_release(e); }
};
using ExpertsHandle = std::unique_ptr<tops_moe_experts, ExpertsDeleter>;

ExpertsHandle build_experts(tops_context* ctx, const ExpertSet& s, bool fused, std::vector<tops_tensor>& storage) {
  tops_moe_experts_desc d;
  tops_moe_experts_desc_init(&d);
  d.n_experts = s.E;
  d.hidden = s.D;
  d.inter = s.I;
  storage.clear();
  storage.reserve(size_t(3 * s.E + 2));
  if (fused) {
    storage.push_back(kt::view(s.gate_up_fused.data(), s.dtype, {s.E, 2 * s.I, s.D}));
    storage.push_back(kt::view(s.down_fused.data(), s.dtype, {s.E, s.D, s.I}));
    d.gate_up_fused = &storage[0];
    d.down_fused = &storage[1];
  } else {
    for (int32_t e = 0; e < s.E; ++e) storage.push_back(kt::view(s.gate[e].data(), s.dtype, {s.I, s.D}));
    for (int32_t e = 0; e < s.E; ++e) storage.push_back(kt::view(s.up[e].data(), s.dtype, {s.I, s.D}));
    for (int32_t e = 0; e < s.E; ++e) storage.push_back(kt::view(s.down[e].data(), s.dtype, {s.D, s.I}));
    d.gate = &storage[0];
    d.up = &storage[size_t(s.E)];
    d.down = &storage[size_t(2 * s.E)];
  }
  tops_moe_experts* out = nullptr;
  KT_OK(tops_moe_experts_create(ctx, &d, &out));
  return ExpertsHandle(out);
}

std::vector<float> run_ffn(tops_context* ctx, const tops_moe_experts* ex, const std::vector<float>& x,
                           const Routed& r, int64_t T, int64_t D, int64_t k, uint32_t flags = 0,
                           std::vector<float> y0 = {}) {
  std::vector<float> y = y0.empty() ? std::vector<float>(size_t(T * D), kNaN) : y0;
  const tops_tensor xt = kt::view(x.data(), TOPS_F32, {T, D});
  const tops_tensor it = kt::view(r.ids.data(), TOPS_I32, {T, k});
  const tops_tensor wt = kt::view(r.w.data(), TOPS_F32, {T, k});
  tops_tensor yt = kt::view(y.data(), TOPS_F32, {T, D});
  KT_OK(tops_moe_ffn(ctx, ex, &xt, &it, &wt, flags, &yt));
  return y;
}

}  // namespace

TEST_CASE("moe: grouped expert FFN equals the naive per-token loop", "[moe]") {
  const tops_dtype dtype = GENERATE(as<tops_dtype>{}, TOPS_F32, TOPS_BF16, TOPS_F16);
  const bool fused = GENERATE(false, true);
  const int64_t T = GENERATE(1, 5, 37);
  const int32_t E = 7, k = 3;
  const int64_t D = 67, I = 33;
  CAPTURE(tops_dtype_name(dtype), fused, T);
  const ExpertSet s = make_experts(E, D, I, dtype, 80);
  const auto x = kt::nonzero(size_t(T * D), 0.1f, 2.0f, 81);
  tops_moe_router_params p;
  tops_moe_router_params_init(&p);
  p.top_k = k;
  p.normalize = 1;
  auto ctx = kt::cpu_context();
  auto ref_ctx = kt::cpu_context(TOPS_CPU_PATH_REFERENCE, 1);
  const Routed r = route(ctx.get(), kt::nonzero(size_t(T * E), 0.1f, 3.0f, 82), T, E, p);
  std::vector<tops_tensor> st1, st2;
  auto ex = build_experts(ctx.get(), s, fused, st1);
  auto ex_ref = build_experts(ref_ctx.get(), s, fused, st2);
  const auto got = run_ffn(ctx.get(), ex.get(), x, r, T, D, k);
  const auto want = run_ffn(ref_ctx.get(), ex_ref.get(), x, r, T, D, k);
  // The AVX512_BF16 matmul path rounds activations to bf16 for bf16 weights (matmul.h).
  const bool bf16_products = dtype == TOPS_BF16 && tops_context_cpu_path(ctx.get()) == TOPS_CPU_PATH_AVX512_BF16;
  const double tol = bf16_products ? 1e-2 : 1e-4;
  kt::require_close(got, want, tol * 0.1, tol, "ffn");
  // And a path with f32 activations is f32-exact.
  auto f32_ctx = kt::cpu_context_f32(2);
  std::vector<tops_tensor> st3;
  auto ex_f32 = build_experts(f32_ctx.get(), s, fused, st3);
  kt::require_close(run_ffn(f32_ctx.get(), ex_f32.get(), x, r, T, D, k), want, 1e-5, 1e-4, "ffn (f32 activations)");

  // ACCUMULATE adds onto y.
  const auto base = kt::nonzero(size_t(T * D), 0.1f, 1.0f, 83);
  const auto acc = run_ffn(ctx.get(), ex.get(), x, r, T, D, k, TOPS_MOE_ACCUMULATE, base);
  std::vector<double> want_acc(base.size());
  for (size_t i = 0; i < base.size(); ++i) want_acc[i] = double(base[i]) + got[i];
  kt::require_close(acc, want_acc, 1e-6, 1e-6, "ffn accumulate");
}

TEST_CASE("moe: decode reads only the chosen experts' weights", "[moe]") {
  // Experts nobody chose live in PROT_NONE pages: touching one byte of them crashes the test.
  const int32_t E = 16, k = 2;
  const int64_t D = 64, I = 32, T = 1;
  const ExpertSet s = make_experts(E, D, I, TOPS_BF16, 90);
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  const size_t bytes = size_t(I * D * 2);
  void* guard = mmap(nullptr, ((bytes + page - 1) / page) * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(guard != MAP_FAILED);
  const std::vector<int32_t> chosen = {11, 4};
  std::vector<tops_tensor> g, u, dn;
  for (int32_t e = 0; e < E; ++e) {
    const bool used = std::find(chosen.begin(), chosen.end(), e) != chosen.end();
    g.push_back(kt::view(used ? s.gate[e].data() : guard, TOPS_BF16, {I, D}));
    u.push_back(kt::view(used ? s.up[e].data() : guard, TOPS_BF16, {I, D}));
    dn.push_back(kt::view(used ? s.down[e].data() : guard, TOPS_BF16, {D, I}));
  }
  tops_moe_experts_desc d;
  tops_moe_experts_desc_init(&d);
  d.n_experts = E;
  d.hidden = D;
  d.inter = I;
  d.gate = g.data();
  d.up = u.data();
  d.down = dn.data();
  auto ctx = kt::cpu_context();
  tops_moe_experts* raw = nullptr;
  KT_OK(tops_moe_experts_create(ctx.get(), &d, &raw));
  ExpertsHandle ex(raw);
  const auto x = kt::nonzero(size_t(D), 0.1f, 2.0f, 91);
  const Routed r{chosen, {0.7f, 0.3f}};
  const auto got = run_ffn(ctx.get(), ex.get(), x, r, T, D, k);
  const double tol = tops_context_cpu_path(ctx.get()) == TOPS_CPU_PATH_AVX512_BF16 ? 1e-2 : 1e-4;
  // Compare with the full-weight reference.
  auto ref_ctx = kt::cpu_context(TOPS_CPU_PATH_REFERENCE, 1);
  std::vector<tops_tensor> st;
  auto ex_ref = build_experts(ref_ctx.get(), s, false, st);
  const auto want = run_ffn(ref_ctx.get(), ex_ref.get(), x, r, T, D, k);
  kt::require_close(got, want, tol * 0.1, tol, "decode");
  munmap(guard, ((bytes + page - 1) / page) * page);
}

TEST_CASE("moe: named errors", "[moe]") {
  auto ctx = kt::cpu_context();
  const ExpertSet s = make_experts(3, 8, 4, TOPS_F32, 100);
  std::vector<tops_tensor> st;
  auto ex = build_experts(ctx.get(), s, true, st);

  tops_moe_experts_desc d;
  tops_moe_experts_desc_init(&d);
  d.n_experts = 3;
  d.hidden = 8;
  d.inter = 4;
  tops_moe_experts* out = nullptr;
  CHECK(tops_moe_experts_create(ctx.get(), &d, &out) == TOPS_ERR_INVALID_ARG);  // no weights
  std::vector<tops_tensor> per;
  for (int e = 0; e < 3; ++e) per.push_back(kt::view(s.gate[e].data(), TOPS_F32, {4, 8}));
  for (int e = 0; e < 3; ++e) per.push_back(kt::view(s.up[e].data(), TOPS_F32, {4, 8}));
  for (int e = 0; e < 3; ++e) per.push_back(kt::view(s.down[e].data(), TOPS_F32, {8, 4}));
  per[7] = kt::view(s.down[1].data(), TOPS_F32, {4, 8});  // down[1] transposed
  d.gate = &per[0];
  d.up = &per[3];
  d.down = &per[6];
  CHECK(tops_moe_experts_create(ctx.get(), &d, &out) == TOPS_ERR_SHAPE_MISMATCH);
  CHECK(std::string(tops_last_error_message()).find("down[1]") != std::string::npos);
  per[7] = kt::view(s.down[1].data(), TOPS_BF16, {8, 4});
  CHECK(tops_moe_experts_create(ctx.get(), &d, &out) == TOPS_ERR_DTYPE);
  d.gate_up_fused = &st[0];
  CHECK(tops_moe_experts_create(ctx.get(), &d, &out) == TOPS_ERR_INVALID_ARG);  // both layouts
  CHECK(out == nullptr);

  const auto x = kt::nonzero(16, 0.1f, 1.0f, 101);
  std::vector<int32_t> ids = {0, 3, 1, 2};  // 3 is out of range
  std::vector<float> w = {0.5f, 0.5f, 0.5f, 0.5f}, y(16, 0.0f);
  const tops_tensor xt = kt::view(x.data(), TOPS_F32, {2, 8});
  const tops_tensor it = kt::view(ids.data(), TOPS_I32, {2, 2});
  const tops_tensor wt = kt::view(w.data(), TOPS_F32, {2, 2});
  tops_tensor yt = kt::view(y.data(), TOPS_F32, {2, 8});
  CHECK(tops_moe_ffn(ctx.get(), ex.get(), &xt, &it, &wt, 0, &yt) == TOPS_ERR_INVALID_ARG);
  CHECK(tops_moe_ffn(ctx.get(), nullptr, &xt, &it, &wt, 0, &yt) == TOPS_ERR_NULL_POINTER);
  const tops_tensor x_bad = kt::view(x.data(), TOPS_F32, {4, 4});
  tops_tensor y_bad = kt::view(y.data(), TOPS_F32, {4, 4});
  CHECK(tops_moe_ffn(ctx.get(), ex.get(), &x_bad, &it, &wt, 0, &y_bad) == TOPS_ERR_SHAPE_MISMATCH);

  tops_moe_router_params p;
  tops_moe_router_params_init(&p);
  std::vector<float> logits(12, 0.5f);
  std::vector<int32_t> rid(8);
  std::vector<float> rw(8);
  const tops_tensor lt = kt::view(logits.data(), TOPS_F32, {2, 6});
  tops_tensor rit = kt::view(rid.data(), TOPS_I32, {2, 4});
  tops_tensor rwt = kt::view(rw.data(), TOPS_F32, {2, 4});
  p.top_k = 7;  // > 6 experts
  CHECK(tops_moe_route(ctx.get(), &lt, nullptr, &p, &rit, &rwt) == TOPS_ERR_INVALID_ARG);
  p.top_k = 4;
  p.scoring = TOPS_MOE_SCORING_SIGMOID;
  p.n_group = 4;  // does not divide 6
  CHECK(tops_moe_route(ctx.get(), &lt, nullptr, &p, &rit, &rwt) == TOPS_ERR_INVALID_ARG);
  p.n_group = 3;
  p.topk_group = 1;  // 1 group of 2 experts < top_k 4
  CHECK(tops_moe_route(ctx.get(), &lt, nullptr, &p, &rit, &rwt) == TOPS_ERR_INVALID_ARG);
  p.topk_group = 2;
  KT_OK(tops_moe_route(ctx.get(), &lt, nullptr, &p, &rit, &rwt));
  tops_tensor rit_bad = kt::view(rid.data(), TOPS_I32, {2, 3});
  CHECK(tops_moe_route(ctx.get(), &lt, nullptr, &p, &rit_bad, &rwt) == TOPS_ERR_SHAPE_MISMATCH);
  p.scoring = TOPS_MOE_SCORING_SOFTMAX;
  p.n_group = 1;
  p.topk_group = 1;
  const tops_tensor bias = kt::view(logits.data(), TOPS_F32, {6});
  CHECK(tops_moe_route(ctx.get(), &lt, &bias, &p, &rit, &rwt) == TOPS_ERR_INVALID_ARG);
}
