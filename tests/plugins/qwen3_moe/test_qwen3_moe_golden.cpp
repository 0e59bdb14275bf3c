// The qwen3_moe plugin against transformers' Qwen3MoeForCausalLM
// (tools/golden/gen_qwen3_moe_fixture.py): 8 experts, top-2, norm_topk_prob, layer 1 dense
// (mlp_only_layers); experts stored per expert (the published layout) and fused (5.x layout);
// variant_b: norm_topk_prob false and decoder_sparse_step 2.
#include <catch2/catch.hpp>

#include "golden.h"

using pio::test::GoldenReference;

TEST_CASE("qwen3_moe matches transformers", "[qwen3_moe][golden]") {
  const std::string layout = GENERATE("per_expert", "fused", "variant_b");
  const GoldenReference ref = GoldenReference::read(pio::test::fixture_dir("qwen3_moe/" + layout));
  auto model = pio::test::load_model("qwen3_moe", ref.dir);
  SECTION("batch logits") { pio::test::check_batch_logits(*model, ref); }
  SECTION("prefill then single-token steps") { pio::test::check_step_logits(*model, ref); }
  SECTION("greedy continuation") { pio::test::check_greedy_continuation(*model, ref); }
  SECTION("truncate and reuse the cache") { pio::test::check_truncate_and_reuse(*model, ref, 7); }
}

TEST_CASE("qwen3_moe describes itself", "[qwen3_moe]") {
  auto model = pio::test::load_model("qwen3_moe", pio::test::fixture_dir("qwen3_moe/per_expert"));
  CHECK_THAT(model->describe_json(), Catch::Contains("\"model_type\":\"qwen3_moe\""));
}
