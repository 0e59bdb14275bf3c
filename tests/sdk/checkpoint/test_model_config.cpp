// config.json: decoder dims and their validation, RoPE in both spellings, generation_config.json.
#include <catch2/catch.hpp>

#include "pio/sdk/error.h"
#include "pio/sdk/model_config.h"
#include "error_of.h"
#include "temp_dir.h"

using Catch::Contains;
using pio::test::error_of;
using pio::RopeConfig;

namespace {

pio::JsonValue cfg(std::string_view text) { return pio::parse_json(text, "config.json"); }

// The Qwen3-0.6B config.json fields (qwen3.md §2), 4.x spelling.
const char* kQwen3 = R"({"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "vocab_size": 151936,
  "hidden_size": 1024, "intermediate_size": 3072, "num_hidden_layers": 28, "num_attention_heads": 16,
  "num_key_value_heads": 8, "head_dim": 128, "hidden_act": "silu", "rms_norm_eps": 1e-06,
  "rope_theta": 1000000, "rope_scaling": null, "max_position_embeddings": 40960, "attention_bias": false,
  "tie_word_embeddings": true, "bos_token_id": 151643, "eos_token_id": 151645, "torch_dtype": "bfloat16"})";

}  // namespace

TEST_CASE("decoder dims of Qwen3-0.6B", "[config]") {
  auto d = pio::parse_decoder_dims(cfg(kQwen3));
  CHECK(d.model_type == "qwen3");
  CHECK(d.architectures == std::vector<std::string>{"Qwen3ForCausalLM"});
  CHECK(d.vocab_size == 151936);
  CHECK(d.hidden_size == 1024);
  CHECK(d.intermediate_size == 3072);
  CHECK(d.num_hidden_layers == 28);
  CHECK(d.num_attention_heads == 16);
  CHECK(d.num_key_value_heads == 8);
  CHECK(d.gqa_group() == 2);
  CHECK(d.head_dim == 128);  // from the config, not 1024 / 16
  CHECK(d.rms_norm_eps == 1e-6);
  CHECK(d.max_position_embeddings == 40960);
  CHECK(d.tie_word_embeddings);
  CHECK_FALSE(d.attention_bias);
  CHECK(d.torch_dtype == "bfloat16");
  CHECK(d.bos_token_id == 151643);
  CHECK(d.eos_token_ids == std::vector<int64_t>{151645});
}

TEST_CASE("decoder dims defaults: kv heads, head_dim, 5.x dtype key", "[config]") {
  auto d = pio::parse_decoder_dims(cfg(R"({"vocab_size": 10, "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "dtype": "float32", "eos_token_id": [1, 2]})"), /*tie_default=*/true);
  CHECK(d.num_key_value_heads == 4);
  CHECK(d.head_dim == 16);
  CHECK(d.torch_dtype == "float32");
  CHECK(d.tie_word_embeddings);
  CHECK(d.eos_token_ids == std::vector<int64_t>{1, 2});
}

TEST_CASE("bad config.json values are clear errors", "[config]") {
  auto bad = [](std::string_view text) {
    return error_of([&] { pio::parse_decoder_dims(cfg(text)); }, pio::ErrorCode::kBadFormat);
  };
  CHECK_THAT(bad(R"({"vocab_size": 10, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 16,
      "num_key_value_heads": 6})"), Contains("config.json") && Contains("num_attention_heads (16) is not a multiple of num_key_value_heads (6)"));
  CHECK_THAT(bad(R"({"vocab_size": 10, "hidden_size": 64, "num_hidden_layers": 0, "num_attention_heads": 4})"),
             Contains("/num_hidden_layers") && Contains("must be > 0"));
  CHECK_THAT(bad(R"({"vocab_size": 10, "hidden_size": 60, "num_hidden_layers": 1, "num_attention_heads": 8})"),
             Contains("hidden_size (60) is not a multiple of num_attention_heads (8)"));
  CHECK_THAT(bad(R"({"vocab_size": 10, "hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4, "head_dim": 15})"),
             Contains("head_dim (15) must be even"));
  CHECK_THAT(bad(R"({"vocab_size": "many", "hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4})"),
             Contains("/vocab_size") && Contains("expected an integer") && Contains("got string"));
  CHECK_THAT(bad(R"({"vocab_size": 10, "hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4, "rms_norm_eps": 0})"),
             Contains("rms_norm_eps"));
  CHECK_THAT(bad("[1]"), Contains("expected a JSON object"));
  CHECK_THAT(error_of([] { pio::parse_decoder_dims(cfg(R"({"vocab_size": 10})")); }, pio::ErrorCode::kNotFound),
             Contains("config.json: missing field /hidden_size"));
}

TEST_CASE("RoPE: 4.x rope_theta without scaling", "[config][rope]") {
  auto r = pio::parse_rope_config(cfg(kQwen3));
  CHECK(r.type == RopeConfig::Type::kDefault);
  CHECK(r.theta == 1e6);
  CHECK(r.factor == 1.0);
  CHECK(r.partial_rotary_factor == 1.0);
  CHECK(pio::parse_rope_config(cfg("{}"), 1e7).theta == 1e7);  // family default
}

TEST_CASE("RoPE: 5.x rope_parameters", "[config][rope]") {
  auto r = pio::parse_rope_config(cfg(R"({"rope_parameters": {"rope_theta": 1000000.0, "rope_type": "default"}})"));
  CHECK(r.type == RopeConfig::Type::kDefault);
  CHECK(r.theta == 1e6);
  auto per_layer = pio::parse_rope_config(cfg(R"({"rope_parameters": {
      "full_attention": {"rope_type": "default", "rope_theta": 1000000.0},
      "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}})"));
  CHECK(per_layer.theta == 1e6);
}

TEST_CASE("RoPE: yarn in both spellings gives the same settings", "[config][rope]") {
  auto v4 = pio::parse_rope_config(cfg(R"({"rope_theta": 1000000, "max_position_embeddings": 40960,
      "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}})"));
  auto v5 = pio::parse_rope_config(cfg(R"({"max_position_embeddings": 40960, "rope_parameters": {"rope_type": "yarn",
      "rope_theta": 1000000.0, "factor": 4.0, "original_max_position_embeddings": 32768}})"));
  for (const auto& r : {v4, v5}) {
    CHECK(r.type == RopeConfig::Type::kYarn);
    CHECK(std::string(r.type_name()) == "yarn");
    CHECK(r.theta == 1e6);
    CHECK(r.factor == 4.0);
    CHECK(r.original_max_position_embeddings == 32768);
    CHECK(r.beta_fast == 32.0);
    CHECK(r.beta_slow == 1.0);
    CHECK(r.truncate);
    CHECK_FALSE(r.attention_factor);
  }
  // Legacy "type" key, explicit attention_factor, factor derived from the context ratio.
  auto legacy = pio::parse_rope_config(cfg(R"({"max_position_embeddings": 131072,
      "rope_scaling": {"type": "yarn", "original_max_position_embeddings": 32768, "attention_factor": 1.2, "beta_fast": 16}})"));
  CHECK(legacy.factor == 4.0);
  CHECK(legacy.attention_factor == 1.2);
  CHECK(legacy.beta_fast == 16.0);
}

TEST_CASE("RoPE: linear, dynamic, llama3, mrope", "[config][rope]") {
  auto lin = pio::parse_rope_config(cfg(R"({"rope_scaling": {"type": "linear", "factor": 2}})"));
  CHECK(lin.type == RopeConfig::Type::kLinear);
  CHECK(lin.factor == 2.0);
  auto dyn = pio::parse_rope_config(cfg(R"({"max_position_embeddings": 4096, "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}})"));
  CHECK(dyn.type == RopeConfig::Type::kDynamic);
  CHECK(dyn.original_max_position_embeddings == 4096);
  auto l3 = pio::parse_rope_config(cfg(R"({"rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0,
      "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}})"));
  CHECK(l3.type == RopeConfig::Type::kLlama3);
  CHECK(l3.theta == 500000.0);
  CHECK(l3.high_freq_factor == 4.0);
  auto mrope = pio::parse_rope_config(cfg(R"({"rope_scaling": {"rope_type": "default", "mrope_section": [24, 20, 20],
      "mrope_interleaved": true}, "rope_theta": 5000000})"));
  CHECK(mrope.type == RopeConfig::Type::kDefault);
  CHECK(mrope.mrope_section == std::vector<int64_t>{24, 20, 20});
  CHECK(mrope.mrope_interleaved);
}

TEST_CASE("RoPE: unknown type and invalid values are clear errors", "[config][rope]") {
  auto msg = error_of([] { pio::parse_rope_config(cfg(R"({"rope_scaling": {"rope_type": "su", "factor": 2}})")); },
                      pio::ErrorCode::kUnsupported);
  CHECK_THAT(msg, Contains("config.json") && Contains("/rope_scaling/rope_type") && Contains("unknown rope type 'su'") &&
                      Contains("yarn"));
  msg = error_of([] { pio::parse_rope_config(cfg(R"({"rope_parameters": {"rope_type": "longrope", "rope_theta": 1e4}})")); },
                 pio::ErrorCode::kUnsupported);
  CHECK_THAT(msg, Contains("/rope_parameters/rope_type") && Contains("longrope"));
  CHECK_THAT(error_of([] { pio::parse_rope_config(cfg(R"({"rope_scaling": {"rope_type": "linear"}})")); },
                      pio::ErrorCode::kBadFormat), Contains("needs a \"factor\""));
  CHECK_THAT(error_of([] { pio::parse_rope_config(cfg(R"({"rope_scaling": {"rope_type": "yarn", "factor": 0.5,
      "original_max_position_embeddings": 10}})")); }, pio::ErrorCode::kBadFormat), Contains("factor") && Contains(">= 1"));
  CHECK_THAT(error_of([] { pio::parse_rope_config(cfg(R"({"rope_theta": -1})")); }, pio::ErrorCode::kBadFormat),
             Contains("rope_theta") && Contains("> 0"));
  CHECK_THAT(error_of([] { pio::parse_rope_config(cfg(R"({"rope_scaling": "yarn"})")); }, pio::ErrorCode::kBadFormat),
             Contains("/rope_scaling") && Contains("expected an object"));
  CHECK_THAT(error_of([] { pio::parse_rope_config(cfg(R"({"rope_scaling": {"rope_type": "llama3", "factor": 8.0}})")); },
                      pio::ErrorCode::kNotFound), Contains("low_freq_factor"));
  CHECK_THAT(error_of([] { pio::parse_rope_config(cfg(R"({"rope_scaling": {"rope_type": "yarn", "factor": 2.0}})")); },
                      pio::ErrorCode::kBadFormat), Contains("original_max_position_embeddings"));
}

TEST_CASE("generation config: values, int-or-list eos, HF defaults", "[config][generation]") {
  auto g = pio::parse_generation_config(pio::parse_json(R"({"bos_token_id": 151643, "do_sample": true,
      "eos_token_id": [151645, 151643], "pad_token_id": 151643, "temperature": 0.6, "top_k": 20, "top_p": 0.95,
      "transformers_version": "4.51.0"})", "generation_config.json"));
  CHECK(g.from_file);
  CHECK(g.eos_token_ids == std::vector<int64_t>{151645, 151643});
  CHECK(g.do_sample);
  CHECK(g.temperature == 0.6);
  CHECK(g.top_k == 20);
  CHECK(g.top_p == 0.95);
  CHECK(g.min_p == 0.0);
  CHECK(g.repetition_penalty == 1.0);
  CHECK(g.pad_token_id == 151643);
  CHECK_FALSE(g.max_new_tokens);
  CHECK(g.max_length == 20);

  auto single = pio::parse_generation_config(pio::parse_json(R"({"eos_token_id": 7, "top_k": null,
      "repetition_penalty": 1.05, "min_p": 0.1, "max_new_tokens": 64})", "g.json"));
  CHECK(single.eos_token_ids == std::vector<int64_t>{7});
  CHECK(single.top_k == 50);  // null keeps the default
  CHECK(single.repetition_penalty == 1.05);
  CHECK(single.min_p == 0.1);
  CHECK(single.max_new_tokens == 64);

  // No generation_config.json: defaults, ids from config.json.
  auto none = pio::parse_generation_config(pio::JsonValue(), cfg(kQwen3));
  CHECK_FALSE(none.from_file);
  CHECK_FALSE(none.do_sample);
  CHECK(none.temperature == 1.0);
  CHECK(none.top_k == 50);
  CHECK(none.top_p == 1.0);
  CHECK(none.eos_token_ids == std::vector<int64_t>{151645});
  CHECK(none.bos_token_id == 151643);
}

TEST_CASE("generation config: invalid values", "[config][generation]") {
  auto bad = [](std::string_view text) {
    return error_of([&] { pio::parse_generation_config(pio::parse_json(text, "generation_config.json")); },
                    pio::ErrorCode::kBadFormat);
  };
  CHECK_THAT(bad(R"({"temperature": -1})"), Contains("generation_config.json") && Contains("temperature"));
  CHECK_THAT(bad(R"({"top_p": 1.5})"), Contains("top_p"));
  CHECK_THAT(bad(R"({"top_k": -2})"), Contains("top_k"));
  CHECK_THAT(bad(R"({"repetition_penalty": 0})"), Contains("repetition_penalty"));
  CHECK_THAT(bad(R"({"eos_token_id": "x"})"), Contains("/eos_token_id") && Contains("expected an integer"));
  CHECK_THAT(bad(R"({"do_sample": 1})"), Contains("/do_sample") && Contains("expected a bool"));
}

TEST_CASE("load_generation_config from a directory with and without the file", "[config][generation]") {
  pio::test::TempDir dir;
  auto empty = pio::load_generation_config(dir.path());
  CHECK_FALSE(empty.from_file);
  CHECK(empty.eos_token_ids.empty());
  pio::test::write_text(dir / "config.json", kQwen3);
  CHECK(pio::load_generation_config(dir.path()).eos_token_ids == std::vector<int64_t>{151645});
  pio::test::write_text(dir / "generation_config.json", R"({"eos_token_id": [1, 2], "temperature": 0.7})");
  auto g = pio::load_generation_config(dir.path());
  CHECK(g.from_file);
  CHECK(g.eos_token_ids == std::vector<int64_t>{1, 2});
  CHECK(g.temperature == 0.7);
  CHECK(g.bos_token_id == 151643);
  pio::test::write_text(dir / "config.json", "{\"vocab_size\": ");
  CHECK_THROWS_WITH(pio::load_model_config(dir.path()), Contains("config.json") && Contains("malformed JSON"));
}
