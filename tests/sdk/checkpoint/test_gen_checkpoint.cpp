// pio-gen-checkpoint end to end: the directories it writes load through the SDK with the tensor
// names and shapes of the specs, configs that parse, deterministic values of the intended scale.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/model_config.h"
#include "temp_dir.h"

namespace {

int run_generator(const std::string& args) {
  const std::string cmd = std::string("\"") + PIO_GEN_CHECKPOINT_EXE + "\" " + args + " 2>/dev/null";
  return std::system(cmd.c_str());
}

float bf16_to_float(uint16_t bits) {
  uint32_t x = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

// Mean and standard deviation of a bf16 tensor.
std::pair<double, double> stats(const pio::TensorView& t) {
  auto v = t.as<uint16_t>();
  double sum = 0, sq = 0;
  for (uint16_t b : v) {
    double f = bf16_to_float(b);
    sum += f;
    sq += f * f;
  }
  double mean = sum / static_cast<double>(v.size());
  return {mean, std::sqrt(sq / static_cast<double>(v.size()) - mean * mean)};
}

}  // namespace

TEST_CASE("gen-checkpoint qwen3 tiny, sharded: names, shapes, configs, value scale", "[gen_checkpoint]") {
  pio::test::TempDir dir;
  REQUIRE(run_generator("--arch qwen3 --preset tiny --shards 3 --seed 5 --out \"" + dir.path().string() + "\"") == 0);
  auto cfg = pio::load_model_config(dir.path());
  auto d = pio::parse_decoder_dims(cfg);
  CHECK(d.architectures == std::vector<std::string>{"Qwen3ForCausalLM"});
  CHECK(d.vocab_size == 512);
  CHECK(d.head_dim == 32);
  CHECK(d.tie_word_embeddings);
  CHECK(d.torch_dtype == "bfloat16");
  CHECK(pio::parse_rope_config(cfg).theta == 1e6);
  CHECK(pio::load_generation_config(dir.path()).eos_token_ids == std::vector<int64_t>{507, 505});

  auto ck = pio::Checkpoint::open(dir.path());
  CHECK(ck->files().size() == 3);
  CHECK(ck->size() == 2 + 3 * 11);
  CHECK_FALSE(ck->has("lm_head.weight"));
  auto embed = ck->require("model.embed_tokens.weight", {512, 64}, pio::DType::kBF16);
  ck->require("model.layers.2.self_attn.q_proj.weight", {128, 64}, pio::DType::kBF16);
  ck->require("model.layers.2.self_attn.k_norm.weight", {32}, pio::DType::kBF16);
  ck->require("model.layers.0.mlp.down_proj.weight", {64, 160}, pio::DType::kBF16);
  auto [mean, sd] = stats(embed);
  CHECK(std::abs(mean) < 0.002);
  CHECK(sd == Approx(0.02).epsilon(0.05));
  auto [norm_mean, norm_sd] = stats(ck->tensor("model.norm.weight"));
  CHECK(norm_mean == Approx(1.0).epsilon(0.01));
  CHECK(norm_sd > 0.005);
}

TEST_CASE("gen-checkpoint is deterministic in the seed, independent of threads and shards", "[gen_checkpoint]") {
  pio::test::TempDir a, b, c;
  REQUIRE(run_generator("--arch qwen3 --preset tiny --seed 7 --threads 1 --out \"" + a.path().string() + "\"") == 0);
  REQUIRE(run_generator("--arch qwen3 --preset tiny --seed 7 --threads 3 --shards 2 --out \"" + b.path().string() + "\"") == 0);
  REQUIRE(run_generator("--arch qwen3 --preset tiny --seed 8 --out \"" + c.path().string() + "\"") == 0);
  auto ca = pio::Checkpoint::open(a.path()), cb = pio::Checkpoint::open(b.path()), cc = pio::Checkpoint::open(c.path());
  REQUIRE(ca->names() == cb->names());
  for (const auto& name : ca->names()) {
    auto ta = ca->tensor(name), tb = cb->tensor(name);
    REQUIRE(ta.bytes == tb.bytes);
    CHECK(std::memcmp(ta.data, tb.data, ta.bytes) == 0);
  }
  auto e7 = ca->tensor("model.embed_tokens.weight"), e8 = cc->tensor("model.embed_tokens.weight");
  CHECK(std::memcmp(e7.data, e8.data, e7.bytes) != 0);
  // Different tensors get different values.
  auto q0 = ca->tensor("model.layers.0.self_attn.k_proj.weight"), v0 = ca->tensor("model.layers.0.self_attn.v_proj.weight");
  CHECK(std::memcmp(q0.data, v0.data, q0.bytes) != 0);
}

TEST_CASE("gen-checkpoint qwen3_moe tiny: per-expert layout, dense layer, untied head", "[gen_checkpoint]") {
  pio::test::TempDir dir;
  REQUIRE(run_generator("--arch qwen3_moe --preset tiny --out \"" + dir.path().string() + "\"") == 0);
  auto cfg = pio::load_model_config(dir.path());
  auto d = pio::parse_decoder_dims(cfg);
  CHECK(cfg.get<int64_t>("num_experts") == 8);
  CHECK(cfg.get<std::vector<int64_t>>("mlp_only_layers") == std::vector<int64_t>{2});
  CHECK(pio::parse_rope_config(cfg).theta == 1e7);
  auto g = pio::load_generation_config(dir.path());
  CHECK(g.repetition_penalty == 1.05);
  CHECK(g.top_p == 0.8);
  auto ck = pio::Checkpoint::open(dir.path());
  ck->require("lm_head.weight", {d.vocab_size, d.hidden_size});
  for (int64_t l : {0, 1, 3}) {
    const std::string p = "model.layers." + std::to_string(l) + ".mlp.";
    ck->require(p + "gate.weight", {8, 64});
    CHECK(ck->names_with_prefix(p + "experts.").size() == 24);
    ck->require(p + "experts.7.gate_proj.weight", {32, 64});
    ck->require(p + "experts.7.down_proj.weight", {64, 32});
  }
  ck->require("model.layers.2.mlp.gate_proj.weight", {96, 64});
  CHECK_FALSE(ck->has("model.layers.2.mlp.gate.weight"));
}

TEST_CASE("gen-checkpoint rejects bad arguments", "[gen_checkpoint]") {
  pio::test::TempDir dir;
  const std::string out = " --out \"" + dir.path().string() + "\"";
  CHECK(run_generator("--arch llama --preset tiny" + out) != 0);
  CHECK(run_generator("--arch qwen3 --preset huge" + out) != 0);
  CHECK(run_generator("--arch qwen3 --preset tiny --layers 0" + out) != 0);
  CHECK(run_generator("--arch qwen3 --preset tiny --dtype q4" + out) != 0);
  CHECK(run_generator("--arch qwen3 --preset tiny --tokenizer /nonexistent" + out) != 0);
}
