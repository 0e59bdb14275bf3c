// The committed golden fixtures (written by Python safetensors / transformers) load through the
// SDK with the tensor names and shapes of the specs; their reference files are consistent.
#include <catch2/catch.hpp>

#include <cmath>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/model_config.h"

namespace {

const std::filesystem::path kFixtures = PIO_TEST_FIXTURES_DIR;

void check_attention(const pio::Checkpoint& ck, const pio::DecoderDims& d, int64_t layer) {
  const std::string p = "model.layers." + std::to_string(layer) + ".";
  const int64_t q = d.num_attention_heads * d.head_dim, kv = d.num_key_value_heads * d.head_dim;
  ck.require(p + "input_layernorm.weight", {d.hidden_size}, pio::DType::kF32);
  ck.require(p + "post_attention_layernorm.weight", {d.hidden_size}, pio::DType::kF32);
  ck.require(p + "self_attn.q_proj.weight", {q, d.hidden_size});
  ck.require(p + "self_attn.k_proj.weight", {kv, d.hidden_size});
  ck.require(p + "self_attn.v_proj.weight", {kv, d.hidden_size});
  ck.require(p + "self_attn.o_proj.weight", {d.hidden_size, q});
  ck.require(p + "self_attn.q_norm.weight", {d.head_dim});
  ck.require(p + "self_attn.k_norm.weight", {d.head_dim});
}

void check_reference(const std::filesystem::path& dir, int64_t vocab, int64_t hidden, int64_t layers) {
  auto meta = pio::parse_json_file(dir / "reference.json");
  auto ids = meta.get<std::vector<int64_t>>("input_ids");
  const int64_t s = static_cast<int64_t>(ids.size());
  auto ref = pio::Checkpoint::open(dir / "reference.safetensors");
  auto stored_ids = ref->require("input_ids", {s}, pio::DType::kI64).as<int64_t>();
  CHECK(std::vector<int64_t>(stored_ids.begin(), stored_ids.end()) == ids);
  auto logits = ref->require("logits", {s, vocab}, pio::DType::kF32).as<float>();
  auto step = ref->require("logits_step", {s, vocab}, pio::DType::kF32).as<float>();
  double diff = 0, norm = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    REQUIRE(std::isfinite(logits[i]));
    diff += (logits[i] - step[i]) * double(logits[i] - step[i]);
    norm += double(logits[i]) * logits[i];
  }
  CHECK(norm > 0);
  CHECK(std::sqrt(diff / norm) < meta["tolerances"].get<double>("logits_rel_l2"));
  ref->require("last_hidden_state", {s, hidden}, pio::DType::kF32);
  for (int64_t k = 0; k <= layers; ++k) ref->require("hidden_states." + std::to_string(k), {s, hidden});
  auto greedy = meta["greedy"];
  auto new_ids = greedy.get<std::vector<int64_t>>("new_ids");
  CHECK(!new_ids.empty());
  CHECK(static_cast<int64_t>(new_ids.size()) <= greedy.get<int64_t>("max_new_tokens"));
  for (auto id : new_ids) CHECK((id >= 0 && id < vocab));
  CHECK(meta.get<std::string>("dtype") == "float32");
}

}  // namespace

TEST_CASE("qwen3 fixtures: config, tensors and reference", "[fixtures]") {
  for (const char* variant : {"tied", "untied"}) {
    INFO(variant);
    const auto dir = kFixtures / "qwen3" / variant;
    auto cfg = pio::load_model_config(dir);
    auto d = pio::parse_decoder_dims(cfg);
    CHECK(d.architectures == std::vector<std::string>{"Qwen3ForCausalLM"});
    CHECK(d.head_dim == 32);
    CHECK(d.gqa_group() == 2);
    CHECK(d.tie_word_embeddings == (std::string(variant) == "tied"));
    auto rope = pio::parse_rope_config(cfg);
    CHECK(rope.type == pio::RopeConfig::Type::kDefault);
    CHECK(rope.theta == 1e6);
    auto gen = pio::load_generation_config(dir);
    CHECK(gen.eos_token_ids == std::vector<int64_t>{507, 505});

    auto ck = pio::Checkpoint::open(dir);
    ck->require("model.embed_tokens.weight", {d.vocab_size, d.hidden_size}, pio::DType::kF32);
    ck->require("model.norm.weight", {d.hidden_size});
    CHECK(ck->has("lm_head.weight") == !d.tie_word_embeddings);
    for (int64_t l = 0; l < d.num_hidden_layers; ++l) {
      check_attention(*ck, d, l);
      const std::string p = "model.layers." + std::to_string(l) + ".mlp.";
      ck->require(p + "gate_proj.weight", {d.intermediate_size, d.hidden_size});
      ck->require(p + "up_proj.weight", {d.intermediate_size, d.hidden_size});
      ck->require(p + "down_proj.weight", {d.hidden_size, d.intermediate_size});
    }
    // Norm weights were re-randomised around 1 (not left at exactly 1).
    auto norm = ck->tensor("model.layers.0.input_layernorm.weight").as<float>();
    CHECK(std::count(norm.begin(), norm.end(), 1.0f) == 0);
    check_reference(dir, d.vocab_size, d.hidden_size, d.num_hidden_layers);
  }
  CHECK(std::filesystem::exists(kFixtures / "qwen3/tied/tokenizer.json"));
  CHECK_FALSE(std::filesystem::exists(kFixtures / "qwen3/untied/tokenizer.json"));
}

TEST_CASE("qwen3_moe fixtures: per-expert and fused layouts hold the same weights", "[fixtures]") {
  const auto per_dir = kFixtures / "qwen3_moe" / "per_expert";
  auto cfg = pio::load_model_config(per_dir);
  auto d = pio::parse_decoder_dims(cfg);
  // transformers 5.x writes num_local_experts, 4.x (and the published checkpoint) num_experts.
  CHECK_FALSE(cfg.has("num_experts"));
  const int64_t experts = cfg.get_or<int64_t>("num_experts", cfg.get<int64_t>("num_local_experts"));
  CHECK(experts == 8);
  const int64_t inter = cfg.get<int64_t>("moe_intermediate_size");
  const auto dense_layers = cfg.get<std::vector<int64_t>>("mlp_only_layers");
  CHECK(cfg.get<int64_t>("num_experts_per_tok") == 2);
  CHECK(cfg.get<bool>("norm_topk_prob"));
  CHECK(pio::parse_rope_config(cfg).theta == 1e7);
  auto per = pio::Checkpoint::open(per_dir);
  auto fused = pio::Checkpoint::open(kFixtures / "qwen3_moe" / "fused");
  per->require("lm_head.weight", {d.vocab_size, d.hidden_size});
  for (int64_t l = 0; l < d.num_hidden_layers; ++l) {
    check_attention(*per, d, l);
    check_attention(*fused, d, l);
    const std::string p = "model.layers." + std::to_string(l) + ".mlp.";
    if (std::find(dense_layers.begin(), dense_layers.end(), l) != dense_layers.end()) {
      per->require(p + "gate_proj.weight", {d.intermediate_size, d.hidden_size});
      CHECK(per->names_with_prefix(p + "experts.").empty());
      continue;
    }
    per->require(p + "gate.weight", {experts, d.hidden_size});
    CHECK(per->names_with_prefix(p + "experts.").size() == static_cast<size_t>(3 * experts));
    auto gate_up = fused->require(p + "experts.gate_up_proj", {experts, 2 * inter, d.hidden_size}).as<float>();
    auto down = fused->require(p + "experts.down_proj", {experts, d.hidden_size, inter}).as<float>();
    for (int64_t e = 0; e < experts; ++e) {
      const std::string ep = p + "experts." + std::to_string(e) + ".";
      auto g = per->require(ep + "gate_proj.weight", {inter, d.hidden_size}).as<float>();
      auto u = per->require(ep + "up_proj.weight", {inter, d.hidden_size}).as<float>();
      auto dn = per->require(ep + "down_proj.weight", {d.hidden_size, inter}).as<float>();
      const size_t block = static_cast<size_t>(inter * d.hidden_size);
      const float* fg = gate_up.data() + static_cast<size_t>(e) * 2 * block;
      CHECK(std::equal(g.begin(), g.end(), fg));
      CHECK(std::equal(u.begin(), u.end(), fg + block));
      CHECK(std::equal(dn.begin(), dn.end(), down.data() + static_cast<size_t>(e) * block));
    }
  }
  for (const char* variant : {"per_expert", "fused"}) {
    INFO(variant);
    const auto dir = kFixtures / "qwen3_moe" / variant;
    check_reference(dir, d.vocab_size, d.hidden_size, d.num_hidden_layers);
    auto ref = pio::Checkpoint::open(dir / "reference.safetensors");
    for (int64_t l : {0, 2}) {
      auto w = ref->tensor("router." + std::to_string(l) + ".weights").as<float>();
      auto ids = ref->tensor("router." + std::to_string(l) + ".expert_ids").as<int64_t>();
      for (size_t t = 0; t < w.size(); t += 2) {
        CHECK(std::abs(w[t] + w[t + 1] - 1.0f) < 1e-5f);  // norm_topk_prob
        CHECK(ids[t] != ids[t + 1]);
      }
    }
  }
}

TEST_CASE("qwen3_moe variant B fixture: sparse step 2, no renormalisation", "[fixtures]") {
  const auto dir = kFixtures / "qwen3_moe" / "variant_b";
  auto cfg = pio::load_model_config(dir);
  auto d = pio::parse_decoder_dims(cfg);
  CHECK(cfg.get<int64_t>("decoder_sparse_step") == 2);
  CHECK_FALSE(cfg.get<bool>("norm_topk_prob"));
  CHECK(cfg.get<std::vector<int64_t>>("mlp_only_layers").empty());
  auto ck = pio::Checkpoint::open(dir);
  // Layer i is sparse iff (i + 1) % 2 == 0: only layer 1.
  ck->require("model.layers.0.mlp.gate_proj.weight", {d.intermediate_size, d.hidden_size});
  ck->require("model.layers.1.mlp.gate.weight", {8, d.hidden_size});
  ck->require("model.layers.1.mlp.experts.7.up_proj.weight", {16, d.hidden_size});
  ck->require("model.layers.2.mlp.down_proj.weight", {d.hidden_size, d.intermediate_size});
  CHECK(ck->names_with_prefix("model.layers.0.mlp.experts.").empty());
  check_reference(dir, d.vocab_size, d.hidden_size, d.num_hidden_layers);
  auto ref = pio::Checkpoint::open(dir / "reference.safetensors");
  auto w = ref->require("router.1.weights", {16, 2}).as<float>();
  for (size_t t = 0; t < w.size(); t += 2) {
    CHECK(w[t] >= w[t + 1]);
    CHECK(w[t] + w[t + 1] < 0.9f);  // top-2 softmax probabilities, not renormalised (0.35..0.72)
  }
  CHECK_FALSE(ref->has("router.0.weights"));
}
