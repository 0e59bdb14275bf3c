// libtensor_ops against Hugging Face itself: outputs of transformers' qwen3_next DeltaNet
// functions (recurrent and chunked delta rule with L2-normalised q/k and a carried initial
// state, causal conv1d prefill and one decode step) and of the GLM-4.7-Flash router, recorded by
// tools/kernel_fixtures/gen_deltanet_moe_hf.py into test_deltanet_moe_hf_fixture.inc.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <vector>

#include "test_deltanet_moe_hf_fixture.inc"
#include "test_moe_common.h"

namespace {

template <size_t N>
std::vector<float> vec(const float (&a)[N]) {
  return std::vector<float>(a, a + N);
}

}  // namespace

TEST_CASE("deltanet: gated delta rule equals transformers (recurrent and chunked, carried state)", "[deltanet][hf]") {
  const tops_cpu_path path = GENERATE(as<tops_cpu_path>{}, TOPS_CPU_PATH_AUTO, TOPS_CPU_PATH_REFERENCE);
  const tops_delta_rule_mode mode =
      GENERATE(as<tops_delta_rule_mode>{}, TOPS_DELTA_RULE_RECURRENT, TOPS_DELTA_RULE_CHUNKED);
  CAPTURE(path, mode);
  auto ctx = kt::cpu_context(path, 2);
  using namespace hf;
  const tops_tensor q = kt::view(kDeltaQ, TOPS_F32, {kDeltaT, kDeltaHk, kDeltaDk});
  const tops_tensor k = kt::view(kDeltaK, TOPS_F32, {kDeltaT, kDeltaHk, kDeltaDk});
  const tops_tensor v = kt::view(kDeltaV, TOPS_F32, {kDeltaT, kDeltaHv, kDeltaDv});
  const tops_tensor g = kt::view(kDeltaG, TOPS_F32, {kDeltaT, kDeltaHv});
  const tops_tensor b = kt::view(kDeltaBeta, TOPS_F32, {kDeltaT, kDeltaHv});
  std::vector<float> state = vec(kDeltaState0);
  std::vector<float> out(static_cast<size_t>(kDeltaT * kDeltaHv * kDeltaDv), std::numeric_limits<float>::quiet_NaN());
  tops_tensor st = kt::view(state.data(), TOPS_F32, {kDeltaHv, kDeltaDk, kDeltaDv});
  tops_tensor ot = kt::view(out.data(), TOPS_F32, {kDeltaT, kDeltaHv, kDeltaDv});
  tops_delta_rule_params p;
  tops_delta_rule_params_init(&p);
  p.mode = mode;
  KT_OK(tops_gated_delta_rule(ctx.get(), &q, &k, &v, &g, &b, &p, &st, &ot));
  const bool chunked = mode == TOPS_DELTA_RULE_CHUNKED;
  kt::require_close(out, chunked ? vec(kDeltaOutChunked) : vec(kDeltaOutRecurrent), 2e-6, 1e-4, "out vs HF");
  kt::require_close(state, chunked ? vec(kDeltaStateChunked) : vec(kDeltaStateRecurrent), 2e-6, 1e-4, "state vs HF");
}

TEST_CASE("deltanet: causal conv1d prefill and decode step equal transformers", "[deltanet][hf]") {
  using namespace hf;
  auto ctx = kt::cpu_context();
  const tops_tensor w = kt::view(kConvW, TOPS_F32, {kConvC, kConvK});
  std::vector<float> state(static_cast<size_t>(kConvC * (kConvK - 1)), 0.0f);  // fresh sequence
  std::vector<float> y(static_cast<size_t>(kConvT * kConvC), std::numeric_limits<float>::quiet_NaN());
  const tops_tensor x = kt::view(kConvX, TOPS_F32, {kConvT, kConvC});
  tops_tensor st = kt::view(state.data(), TOPS_F32, {kConvC, kConvK - 1});
  tops_tensor yt = kt::view(y.data(), TOPS_F32, {kConvT, kConvC});
  KT_OK(tops_causal_conv1d(ctx.get(), &x, &w, &st, TOPS_CONV1D_SILU, &yt));
  kt::require_close(y, vec(kConvYPrefill), 1e-6, 1e-5, "prefill vs HF causal_conv1d_fn");
  std::vector<float> y1(static_cast<size_t>(kConvC), std::numeric_limits<float>::quiet_NaN());
  const tops_tensor x1 = kt::view(kConvX + kConvT * kConvC, TOPS_F32, {1, kConvC});
  tops_tensor y1t = kt::view(y1.data(), TOPS_F32, {1, kConvC});
  KT_OK(tops_causal_conv1d(ctx.get(), &x1, &w, &st, TOPS_CONV1D_SILU, &y1t));
  kt::require_close(y1, vec(kConvYStep), 1e-6, 1e-5, "decode step vs HF causal_conv1d_update");
}

TEST_CASE("moe: sigmoid router with bias and groups equals transformers' Glm4MoeLiteTopkRouter", "[moe][hf]") {
  using namespace hf;
  const tops_cpu_path path = GENERATE(as<tops_cpu_path>{}, TOPS_CPU_PATH_AUTO, TOPS_CPU_PATH_REFERENCE);
  auto ctx = kt::cpu_context(path, 2);
  tops_moe_router_params p;
  tops_moe_router_params_init(&p);
  p.scoring = TOPS_MOE_SCORING_SIGMOID;
  p.top_k = int32_t(kRouterK);
  p.normalize = 1;
  p.n_group = 4;
  p.topk_group = 2;
  p.routed_scaling_factor = 1.8f;
  std::vector<int32_t> ids(static_cast<size_t>(kRouterT * kRouterK), -1);
  std::vector<float> w(ids.size(), std::numeric_limits<float>::quiet_NaN());
  const tops_tensor lt = kt::view(kRouterLogits, TOPS_F32, {kRouterT, kRouterE});
  const tops_tensor bt = kt::view(kRouterBias, TOPS_F32, {kRouterE});
  tops_tensor it = kt::view(ids.data(), TOPS_I32, {kRouterT, kRouterK});
  tops_tensor wt = kt::view(w.data(), TOPS_F32, {kRouterT, kRouterK});
  KT_OK(tops_moe_route(ctx.get(), &lt, &bt, &p, &it, &wt));
  // HF returns the chosen set unsorted; compare by expert id.
  for (int64_t t = 0; t < kRouterT; ++t) {
    std::vector<std::pair<int32_t, float>> mine;
    for (int64_t j = 0; j < kRouterK; ++j) mine.push_back({ids[t * kRouterK + j], w[t * kRouterK + j]});
    std::sort(mine.begin(), mine.end());
    for (int64_t j = 0; j < kRouterK; ++j) {
      CAPTURE(t, j);
      REQUIRE(mine[j].first == kRouterIdsSorted[t * kRouterK + j]);
      REQUIRE(mine[j].second == Approx(kRouterWeightsById[t * kRouterK + j]).epsilon(1e-5));
    }
  }
}
