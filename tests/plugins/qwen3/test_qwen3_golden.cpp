// The qwen3 plugin against transformers' Qwen3ForCausalLM (tools/golden/gen_qwen3_fixture.py):
// float32 tiny models with tied and untied embeddings and with YaRN rope scaling, loaded through
// the real loader and ABI.
#include <catch2/catch.hpp>

#include "golden.h"

using pio::test::GoldenReference;

TEST_CASE("qwen3 matches transformers", "[qwen3][golden]") {
  const std::string variant = GENERATE("tied", "untied", "yarn");
  const GoldenReference ref = GoldenReference::read(pio::test::fixture_dir("qwen3/" + variant));
  auto model = pio::test::load_model("qwen3", ref.dir);
  SECTION("batch logits") { pio::test::check_batch_logits(*model, ref); }
  SECTION("prefill then single-token steps") { pio::test::check_step_logits(*model, ref); }
  SECTION("greedy continuation") { pio::test::check_greedy_continuation(*model, ref); }
  SECTION("truncate and reuse the cache") { pio::test::check_truncate_and_reuse(*model, ref, 5); }
}
