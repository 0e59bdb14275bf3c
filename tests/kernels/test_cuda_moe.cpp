// MoE ops: CUDA against the CPU backend on random inputs (odd sizes, every weight dtype and
// layout, and Qwen3-MoE's real decode/prefill shapes), routing ids exact, dispatch exact.
// Tagged [cuda]; each case skips with a message when no CUDA device or backend is present.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "test_moe_common.h"

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct ExpertsDeleter {
  void operator()(tops_moe_experts* e) const { tops_moe_experts_release(e); }
};
using ExpertsHandle = std::unique_ptr<tops_moe_experts, ExpertsDeleter>;

ExpertsHandle fused_experts(tops_context* ctx, tops_device dev, const void* gate_up, const void* down, tops_dtype dt,
                            int32_t E, int64_t D, int64_t I) {
  const tops_tensor gu = kt::view(gate_up, dt, {E, 2 * I, D}, dev);
  const tops_tensor dn = kt::view(down, dt, {E, D, I}, dev);
  tops_moe_experts_desc d;
  tops_moe_experts_desc_init(&d);
  d.n_experts = E;
  d.hidden = D;
  d.inter = I;
  d.gate_up_fused = &gu;
  d.down_fused = &dn;
  tops_moe_experts* out = nullptr;
  KT_OK(tops_moe_experts_create(ctx, &d, &out));
  return ExpertsHandle(out);
}

// Cheap deterministic values for the large weight sets (hundreds of millions of elements).
std::vector<uint16_t> hashed_bf16(size_t n, uint32_t seed, float scale) {
  std::vector<uint16_t> v(n);
  uint32_t s = seed * 2654435761u + 1u;
  for (size_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    const float u = float(s >> 8) / float(1u << 24);  // [0, 1)
    v[i] = kt::to_bf16(scale * (0.2f + 0.8f * u) * ((s & 1u) ? 1.0f : -1.0f));
  }
  return v;
}

}  // namespace

TEST_CASE("cuda: MoE routing matches the CPU backend", "[cuda][moe]") {
  KT_REQUIRE_CUDA(gpu);
  struct Case {
    int64_t T, E;
    int32_t k;
    bool sigmoid;
    int32_t n_group, topk_group;
  };
  const Case c = GENERATE(Case{33, 128, 8, false, 1, 1}, Case{5, 512, 10, false, 1, 1}, Case{17, 7, 3, false, 1, 1},
                          Case{9, 64, 4, true, 1, 1}, Case{9, 64, 4, true, 8, 3});
  CAPTURE(c.T, c.E, c.k, c.sigmoid, c.n_group);
  const auto logits = kt::nonzero(size_t(c.T * c.E), 0.05f, 4.0f, uint32_t(500 + c.E));
  const auto bias = kt::uniform(size_t(c.E), -0.3f, 0.3f, 501);
  tops_moe_router_params p;
  tops_moe_router_params_init(&p);
  p.top_k = c.k;
  p.normalize = 1;
  if (c.sigmoid) {
    p.scoring = TOPS_MOE_SCORING_SIGMOID;
    p.n_group = c.n_group;
    p.topk_group = c.topk_group;
    p.routed_scaling_factor = 1.8f;
  }
  auto ctx = kt::cpu_context_f32();
  std::vector<int32_t> cid(size_t(c.T * c.k));
  std::vector<float> cw(size_t(c.T * c.k));
  {
    const tops_tensor lt = kt::view(logits.data(), TOPS_F32, {c.T, c.E});
    const tops_tensor bt = kt::view(bias.data(), TOPS_F32, {c.E});
    tops_tensor it = kt::view(cid.data(), TOPS_I32, {c.T, c.k}), wt = kt::view(cw.data(), TOPS_F32, {c.T, c.k});
    KT_OK(tops_moe_route(ctx.get(), &lt, c.sigmoid ? &bt : nullptr, &p, &it, &wt));
  }
  kt::DeviceBuffer dl(gpu.get(), logits), db(gpu.get(), bias), di(gpu.get(), std::vector<int32_t>(cid.size(), -1)),
      dw(gpu.get(), std::vector<float>(cw.size(), kNaN));
  const tops_tensor lt = kt::view(dl.get(), TOPS_F32, {c.T, c.E}, TOPS_DEVICE_CUDA);
  const tops_tensor bt = kt::view(db.get(), TOPS_F32, {c.E}, TOPS_DEVICE_CUDA);
  tops_tensor it = kt::view(di.get(), TOPS_I32, {c.T, c.k}, TOPS_DEVICE_CUDA);
  tops_tensor wt = kt::view(dw.get(), TOPS_F32, {c.T, c.k}, TOPS_DEVICE_CUDA);
  const double ms = kt::time_ms(gpu.get(), [&] { KT_OK(tops_moe_route(gpu.get(), &lt, c.sigmoid ? &bt : nullptr, &p, &it, &wt)); });
  REQUIRE(di.download<int32_t>() == cid);
  const auto gw = dw.download<float>();
  kt::require_close(gw, cw, 1e-7, 1e-5, "weights");
  kt::report_gpu_check(c.sigmoid ? "moe_route sigmoid" : "moe_route softmax",
                       "T=" + std::to_string(c.T) + " E=" + std::to_string(c.E) + " k=" + std::to_string(c.k),
                       kt::max_rel_error(gw, cw), ms);

  // Dispatch of the same ids: identical offsets and order.
  const int64_t P = c.T * c.k;
  std::vector<int32_t> co(size_t(c.E + 1)), cr(static_cast<size_t>(P));
  {
    const tops_tensor ids = kt::view(cid.data(), TOPS_I32, {c.T, c.k});
    tops_tensor ot = kt::view(co.data(), TOPS_I32, {c.E + 1}), rt = kt::view(cr.data(), TOPS_I32, {P});
    KT_OK(tops_moe_dispatch(ctx.get(), &ids, int32_t(c.E), &ot, &rt));
  }
  kt::DeviceBuffer doff(gpu.get(), std::vector<int32_t>(co.size(), -1)), dord(gpu.get(), std::vector<int32_t>(cr.size(), -1));
  tops_tensor ot = kt::view(doff.get(), TOPS_I32, {c.E + 1}, TOPS_DEVICE_CUDA);
  tops_tensor rt = kt::view(dord.get(), TOPS_I32, {P}, TOPS_DEVICE_CUDA);
  KT_OK(tops_moe_dispatch(gpu.get(), &it, int32_t(c.E), &ot, &rt));
  REQUIRE(doff.download<int32_t>() == co);
  REQUIRE(dord.download<int32_t>() == cr);
}

TEST_CASE("cuda: MoE expert FFN matches the CPU backend (odd sizes, all dtypes, both layouts)", "[cuda][moe]") {
  KT_REQUIRE_CUDA(gpu);
  const tops_dtype dt = GENERATE(as<tops_dtype>{}, TOPS_F32, TOPS_BF16, TOPS_F16);
  const bool fused = GENERATE(false, true);
  const int64_t T = GENERATE(1, 37);
  const int32_t E = 7, k = 3;
  const int64_t D = 67, I = 33;
  CAPTURE(tops_dtype_name(dt), fused, T);
  const float sc = 0.2f;
  std::vector<kt::Weights> gate, up, down;
  for (int32_t e = 0; e < E; ++e) {
    gate.push_back(kt::make_weights(dt, kt::nonzero(size_t(I * D), 0.1f * sc, sc, 600 + 3 * e)));
    up.push_back(kt::make_weights(dt, kt::nonzero(size_t(I * D), 0.1f * sc, sc, 601 + 3 * e)));
    down.push_back(kt::make_weights(dt, kt::nonzero(size_t(D * I), 0.1f * sc, sc, 602 + 3 * e)));
  }
  const auto x = kt::nonzero(size_t(T * D), 0.1f, 2.0f, 650);
  std::vector<int32_t> ids(size_t(T * k));
  std::vector<float> w(size_t(T * k));
  for (int64_t t = 0; t < T; ++t)
    for (int j = 0; j < k; ++j) {
      ids[t * k + j] = int32_t((t * 5 + j * 3) % E);  // distinct per token (k < E, steps of 3 mod 7)
      w[t * k + j] = 0.2f + 0.1f * float(j);
    }
  // The same experts on host and device, per-expert or fused.
  std::vector<float> gu_all, dn_all;
  for (int32_t e = 0; e < E; ++e) {
    gu_all.insert(gu_all.end(), gate[e].f32.begin(), gate[e].f32.end());
    gu_all.insert(gu_all.end(), up[e].f32.begin(), up[e].f32.end());
    dn_all.insert(dn_all.end(), down[e].f32.begin(), down[e].f32.end());
  }
  const std::vector<kt::Weights> fused_w = {kt::make_weights(dt, gu_all), kt::make_weights(dt, dn_all)};
  auto build = [&](tops_context* ctx, tops_device dev, std::vector<std::unique_ptr<kt::DeviceBuffer>>& keep) {
    std::vector<tops_tensor> views;
    tops_moe_experts_desc d;
    tops_moe_experts_desc_init(&d);
    d.n_experts = E;
    d.hidden = D;
    d.inter = I;
    auto place = [&](const kt::Weights& wt) -> const void* {
      if (dev == TOPS_DEVICE_CPU) return wt.data();
      keep.push_back(std::make_unique<kt::DeviceBuffer>(gpu.get(), wt.data(), wt.bytes()));
      return keep.back()->get();
    };
    if (fused) {
      views.push_back(kt::view(place(fused_w[0]), dt, {E, 2 * I, D}, dev));
      views.push_back(kt::view(place(fused_w[1]), dt, {E, D, I}, dev));
      d.gate_up_fused = &views[0];
      d.down_fused = &views[1];
      tops_moe_experts* out = nullptr;
      KT_OK(tops_moe_experts_create(ctx, &d, &out));
      return ExpertsHandle(out);
    }
    for (int32_t e = 0; e < E; ++e) views.push_back(kt::view(place(gate[e]), dt, {I, D}, dev));
    for (int32_t e = 0; e < E; ++e) views.push_back(kt::view(place(up[e]), dt, {I, D}, dev));
    for (int32_t e = 0; e < E; ++e) views.push_back(kt::view(place(down[e]), dt, {D, I}, dev));
    d.gate = &views[0];
    d.up = &views[size_t(E)];
    d.down = &views[size_t(2 * E)];
    tops_moe_experts* out = nullptr;
    KT_OK(tops_moe_experts_create(ctx, &d, &out));
    return ExpertsHandle(out);
  };
  auto ctx = kt::cpu_context_f32();
  std::vector<std::unique_ptr<kt::DeviceBuffer>> keep;
  auto cex = build(ctx.get(), TOPS_DEVICE_CPU, keep);
  auto gex = build(gpu.get(), TOPS_DEVICE_CUDA, keep);
  std::vector<float> cy(size_t(T * D), kNaN);
  {
    const tops_tensor xt = kt::view(x.data(), TOPS_F32, {T, D}), it = kt::view(ids.data(), TOPS_I32, {T, k});
    const tops_tensor wt = kt::view(w.data(), TOPS_F32, {T, k});
    tops_tensor yt = kt::view(cy.data(), TOPS_F32, {T, D});
    KT_OK(tops_moe_ffn(ctx.get(), cex.get(), &xt, &it, &wt, 0, &yt));
  }
  kt::DeviceBuffer dx(gpu.get(), x), di(gpu.get(), ids), dw(gpu.get(), w), dy(gpu.get(), std::vector<float>(cy.size(), kNaN));
  const tops_tensor xt = kt::view(dx.get(), TOPS_F32, {T, D}, TOPS_DEVICE_CUDA);
  const tops_tensor it = kt::view(di.get(), TOPS_I32, {T, k}, TOPS_DEVICE_CUDA);
  const tops_tensor wt = kt::view(dw.get(), TOPS_F32, {T, k}, TOPS_DEVICE_CUDA);
  tops_tensor yt = kt::view(dy.get(), TOPS_F32, {T, D}, TOPS_DEVICE_CUDA);
  KT_OK(tops_moe_ffn(gpu.get(), gex.get(), &xt, &it, &wt, 0, &yt));
  kt::require_close(dy.download<float>(), cy, 1e-5, 1e-4, "y");
  // ACCUMULATE doubles it.
  KT_OK(tops_moe_ffn(gpu.get(), gex.get(), &xt, &it, &wt, TOPS_MOE_ACCUMULATE, &yt));
  std::vector<double> twice(cy.begin(), cy.end());
  for (auto& v : twice) v *= 2.0;
  kt::require_close(dy.download<float>(), twice, 1e-5, 1e-4, "y accumulated");
}

TEST_CASE("cuda: MoE FFN at Qwen3-MoE size (128 experts, top-8, 2048 -> 768, bf16)", "[cuda][moe]") {
  KT_REQUIRE_CUDA(gpu);
  const int32_t E = 128, k = 8;
  const int64_t D = 2048, I = 768;
  const float sc = 1.0f / 45.0f;  // ~1/sqrt(D)
  const auto gate_up = hashed_bf16(size_t(E) * 2 * I * D, 1, sc);
  const auto down = hashed_bf16(size_t(E) * D * I, 2, sc);
  auto ctx = kt::cpu_context_f32(0);
  auto cex = fused_experts(ctx.get(), TOPS_DEVICE_CPU, gate_up.data(), down.data(), TOPS_BF16, E, D, I);
  kt::DeviceBuffer dgu(gpu.get(), gate_up), ddn(gpu.get(), down);
  auto gex = fused_experts(gpu.get(), TOPS_DEVICE_CUDA, dgu.get(), ddn.get(), TOPS_BF16, E, D, I);
  for (const int64_t T : {int64_t{1}, int64_t{64}}) {
    const auto x = kt::nonzero(size_t(T * D), 0.1f, 2.0f, uint32_t(700 + T));
    // Route through the real router on random logits so experts are spread like in a model.
    const auto logits = kt::nonzero(size_t(T * E), 0.05f, 3.0f, uint32_t(710 + T));
    tops_moe_router_params p;
    tops_moe_router_params_init(&p);
    p.top_k = k;
    p.normalize = 1;
    std::vector<int32_t> ids(size_t(T * k));
    std::vector<float> w(size_t(T * k)), cy(size_t(T * D), kNaN);
    const tops_tensor lt = kt::view(logits.data(), TOPS_F32, {T, E});
    tops_tensor it = kt::view(ids.data(), TOPS_I32, {T, k}), wt = kt::view(w.data(), TOPS_F32, {T, k});
    KT_OK(tops_moe_route(ctx.get(), &lt, nullptr, &p, &it, &wt));
    const tops_tensor xt = kt::view(x.data(), TOPS_F32, {T, D});
    tops_tensor yt = kt::view(cy.data(), TOPS_F32, {T, D});
    KT_OK(tops_moe_ffn(ctx.get(), cex.get(), &xt, &it, &wt, 0, &yt));
    kt::DeviceBuffer dx(gpu.get(), x), di(gpu.get(), ids), dw(gpu.get(), w), dy(gpu.get(), std::vector<float>(cy.size(), kNaN));
    const tops_tensor gxt = kt::view(dx.get(), TOPS_F32, {T, D}, TOPS_DEVICE_CUDA);
    const tops_tensor git = kt::view(di.get(), TOPS_I32, {T, k}, TOPS_DEVICE_CUDA);
    const tops_tensor gwt = kt::view(dw.get(), TOPS_F32, {T, k}, TOPS_DEVICE_CUDA);
    tops_tensor gyt = kt::view(dy.get(), TOPS_F32, {T, D}, TOPS_DEVICE_CUDA);
    KT_OK(tops_moe_ffn(gpu.get(), gex.get(), &gxt, &git, &gwt, 0, &gyt));  // warm-up
    const double ms = kt::time_ms(gpu.get(), [&] { KT_OK(tops_moe_ffn(gpu.get(), gex.get(), &gxt, &git, &gwt, 0, &gyt)); });
    const auto gy = dy.download<float>();
    kt::require_close(gy, cy, 1e-4, 1e-3, "y");
    std::vector<int32_t> distinct = ids;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    kt::report_gpu_check("moe_ffn bf16 fused", "T=" + std::to_string(T) + " E=128 k=8 D=2048 I=768",
                         kt::max_rel_error(gy, cy), ms, double(distinct.size()) * 3.0 * double(D * I) * 2.0);
  }
}
