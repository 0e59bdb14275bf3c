// Presets of pio-gen-checkpoint. Real values come from docs/models/qwen3.md §2/§4 and
// qwen3_moe.md §2/§4 (the published config.json files); the small presets keep the real structure
// (GQA, head_dim != hidden / heads, q/k norms, tied or untied head) at a size that runs in seconds.
#include "model_presets.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pio/sdk/error.h"

namespace pio::gen {

namespace {

struct DenseDims {
  int64_t vocab, hidden, intermediate, layers, heads, kv_heads, head_dim, max_pos;
  bool tie;
  int64_t bos, eos, pad;            // model-level ids
  std::vector<int64_t> gen_eos;     // generation_config eos list
};

struct MoeDims {
  DenseDims base;
  int64_t experts, experts_per_tok, moe_intermediate, decoder_sparse_step;
  std::vector<int64_t> mlp_only_layers;
  bool norm_topk_prob;
};

std::string id_list(const std::vector<int64_t>& ids) {
  return fmt::format("[{}]", fmt::join(ids, ", "));
}

void add_attention(std::vector<TensorSpec>& t, const std::string& p, const DenseDims& d) {
  const int64_t q = d.heads * d.head_dim, kv = d.kv_heads * d.head_dim;
  t.push_back({p + "input_layernorm.weight", {d.hidden}, Init::kNorm});
  t.push_back({p + "post_attention_layernorm.weight", {d.hidden}, Init::kNorm});
  t.push_back({p + "self_attn.q_proj.weight", {q, d.hidden}});
  t.push_back({p + "self_attn.k_proj.weight", {kv, d.hidden}});
  t.push_back({p + "self_attn.v_proj.weight", {kv, d.hidden}});
  t.push_back({p + "self_attn.o_proj.weight", {d.hidden, q}});
  t.push_back({p + "self_attn.q_norm.weight", {d.head_dim}, Init::kNorm});
  t.push_back({p + "self_attn.k_norm.weight", {d.head_dim}, Init::kNorm});
}

void add_dense_mlp(std::vector<TensorSpec>& t, const std::string& p, int64_t hidden, int64_t inter) {
  t.push_back({p + "mlp.gate_proj.weight", {inter, hidden}});
  t.push_back({p + "mlp.up_proj.weight", {inter, hidden}});
  t.push_back({p + "mlp.down_proj.weight", {hidden, inter}});
}

void add_embeddings(std::vector<TensorSpec>& t, const DenseDims& d, bool store_lm_head) {
  t.push_back({"model.embed_tokens.weight", {d.vocab, d.hidden}});
  t.push_back({"model.norm.weight", {d.hidden}, Init::kNorm});
  if (!d.tie || store_lm_head) t.push_back({"lm_head.weight", {d.vocab, d.hidden}});
}

void sort_by_name(std::vector<TensorSpec>& t) {
  std::sort(t.begin(), t.end(), [](const TensorSpec& a, const TensorSpec& b) { return a.name < b.name; });
}

DenseDims dense_preset(const std::string& preset) {
  // The real special-token ids (151643 <|endoftext|>, 151645 <|im_end|>) need the real vocab; the
  // tiny vocab of 512 uses the layout of the tiny fixture tokenizer (505 / 507).
  const std::vector<int64_t> real_eos = {151645, 151643}, tiny_eos = {507, 505};
  if (preset == "tiny") return {512, 64, 160, 3, 4, 2, 32, 128, true, 505, 507, 505, tiny_eos};
  // Quick-start model: the real vocab (so the real tokenizer works), 4 layers of width 256;
  // head_dim 128 with 4 heads (q width 512 != hidden, as in the real model).
  if (preset == "small") return {151936, 256, 768, 4, 4, 2, 128, 40960, true, 151643, 151645, 151643, real_eos};
  if (preset == "0.6b") return {151936, 1024, 3072, 28, 16, 8, 128, 40960, true, 151643, 151645, 151643, real_eos};
  throw_error(ErrorCode::kInvalidArgument, "unknown qwen3 preset '{}' (known: {})", preset, list_presets());
}

MoeDims moe_preset(const std::string& preset) {
  const std::vector<int64_t> real_eos = {151645, 151643};
  if (preset == "tiny") {
    // docs/models/qwen3_moe.md §6 with top-2: 4 layers, layer 2 dense.
    return {{512, 64, 96, 4, 4, 2, 32, 128, false, 505, 507, 505, {507, 505}}, 8, 2, 32, 1, {2}, true};
  }
  if (preset == "reduced") {
    // Qwen3-Coder-30B-A3B at real width (2048, 128 experts of 768, 8 active, 32/4 heads of 128),
    // 2 layers unless --layers says otherwise.
    return {{151936, 2048, 5472, 2, 32, 4, 128, 262144, false, 151643, 151645, 151643, real_eos}, 128, 8, 768, 1, {}, true};
  }
  throw_error(ErrorCode::kInvalidArgument, "unknown qwen3_moe preset '{}' (known: {})", preset, list_presets());
}

void apply_layers(DenseDims& d, const PresetOptions& o) {
  if (!o.layers) return;
  if (*o.layers < 1 || *o.layers > 1000) throw_error(ErrorCode::kInvalidArgument, "--layers must be in 1..1000, got {}", *o.layers);
  d.layers = *o.layers;
}

std::string generation_json(const DenseDims& d, bool moe) {
  // Qwen3-0.6B (thinking defaults) and Qwen3-Coder-30B-A3B generation_config.json values.
  if (moe) {
    return fmt::format(R"({{
  "bos_token_id": {},
  "do_sample": true,
  "eos_token_id": {},
  "pad_token_id": {},
  "repetition_penalty": 1.05,
  "temperature": 0.7,
  "top_k": 20,
  "top_p": 0.8,
  "transformers_version": "4.52.3"
}}
)", d.bos, id_list(d.gen_eos), d.pad);
  }
  return fmt::format(R"({{
  "bos_token_id": {},
  "do_sample": true,
  "eos_token_id": {},
  "pad_token_id": {},
  "temperature": 0.6,
  "top_k": 20,
  "top_p": 0.95,
  "transformers_version": "4.51.0"
}}
)", d.bos, id_list(d.gen_eos), d.pad);
}

ModelSpec qwen3_spec(const PresetOptions& o) {
  DenseDims d = dense_preset(o.preset);
  apply_layers(d, o);
  ModelSpec spec;
  // Field set and order of the published Qwen3-0.6B config.json (transformers 4.x spelling).
  spec.config_json = fmt::format(R"({{
  "architectures": [
    "Qwen3ForCausalLM"
  ],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": {},
  "eos_token_id": {},
  "head_dim": {},
  "hidden_act": "silu",
  "hidden_size": {},
  "initializer_range": 0.02,
  "intermediate_size": {},
  "max_position_embeddings": {},
  "max_window_layers": {},
  "model_type": "qwen3",
  "num_attention_heads": {},
  "num_hidden_layers": {},
  "num_key_value_heads": {},
  "rms_norm_eps": 1e-06,
  "rope_scaling": null,
  "rope_theta": 1000000,
  "sliding_window": null,
  "tie_word_embeddings": {},
  "torch_dtype": "{}",
  "transformers_version": "4.51.0",
  "use_cache": true,
  "use_sliding_window": false,
  "vocab_size": {}
}}
)", d.bos, d.eos, d.head_dim, d.hidden, d.intermediate, d.max_pos, d.layers, d.heads, d.layers, d.kv_heads,
                                 d.tie ? "true" : "false", o.torch_dtype, d.vocab);
  spec.generation_config_json = generation_json(d, false);
  add_embeddings(spec.tensors, d, o.store_lm_head);
  for (int64_t l = 0; l < d.layers; ++l) {
    const std::string p = fmt::format("model.layers.{}.", l);
    add_attention(spec.tensors, p, d);
    add_dense_mlp(spec.tensors, p, d.hidden, d.intermediate);
  }
  sort_by_name(spec.tensors);
  return spec;
}

ModelSpec qwen3_moe_spec(const PresetOptions& o) {
  MoeDims m = moe_preset(o.preset);
  DenseDims& d = m.base;
  apply_layers(d, o);
  ModelSpec spec;
  // Field set of the published Qwen3-Coder-30B-A3B-Instruct config.json (4.x spelling, incl. the
  // fields transformers does not read: qkv_bias, use_qk_norm, shared_expert_intermediate_size).
  spec.config_json = fmt::format(R"({{
  "architectures": [
    "Qwen3MoeForCausalLM"
  ],
  "attention_dropout": 0.0,
  "decoder_sparse_step": {},
  "eos_token_id": {},
  "head_dim": {},
  "hidden_act": "silu",
  "hidden_size": {},
  "initializer_range": 0.02,
  "intermediate_size": {},
  "max_position_embeddings": {},
  "max_window_layers": {},
  "mlp_only_layers": {},
  "model_type": "qwen3_moe",
  "moe_intermediate_size": {},
  "norm_topk_prob": {},
  "num_attention_heads": {},
  "num_experts": {},
  "num_experts_per_tok": {},
  "num_hidden_layers": {},
  "num_key_value_heads": {},
  "output_router_logits": false,
  "qkv_bias": false,
  "rms_norm_eps": 1e-06,
  "rope_scaling": null,
  "rope_theta": 10000000,
  "router_aux_loss_coef": 0.0,
  "shared_expert_intermediate_size": 0,
  "sliding_window": null,
  "tie_word_embeddings": false,
  "torch_dtype": "{}",
  "transformers_version": "4.52.3",
  "use_cache": true,
  "use_qk_norm": true,
  "use_sliding_window": false,
  "vocab_size": {}
}}
)", m.decoder_sparse_step, d.eos, d.head_dim, d.hidden, d.intermediate, d.max_pos, std::min<int64_t>(28, d.layers),
                                 id_list(m.mlp_only_layers), m.moe_intermediate, m.norm_topk_prob ? "true" : "false",
                                 d.heads, m.experts, m.experts_per_tok, d.layers, d.kv_heads, o.torch_dtype, d.vocab);
  spec.generation_config_json = generation_json(d, true);
  add_embeddings(spec.tensors, d, false);
  for (int64_t l = 0; l < d.layers; ++l) {
    const std::string p = fmt::format("model.layers.{}.", l);
    add_attention(spec.tensors, p, d);
    bool dense = std::find(m.mlp_only_layers.begin(), m.mlp_only_layers.end(), l) != m.mlp_only_layers.end() ||
                 (l + 1) % m.decoder_sparse_step != 0;
    if (dense) {
      add_dense_mlp(spec.tensors, p, d.hidden, d.intermediate);
      continue;
    }
    spec.tensors.push_back({p + "mlp.gate.weight", {m.experts, d.hidden}});
    for (int64_t e = 0; e < m.experts; ++e) {
      const std::string ep = fmt::format("{}mlp.experts.{}.", p, e);
      spec.tensors.push_back({ep + "gate_proj.weight", {m.moe_intermediate, d.hidden}});
      spec.tensors.push_back({ep + "up_proj.weight", {m.moe_intermediate, d.hidden}});
      spec.tensors.push_back({ep + "down_proj.weight", {d.hidden, m.moe_intermediate}});
    }
  }
  sort_by_name(spec.tensors);
  return spec;
}

}  // namespace

std::string list_presets() { return "qwen3: tiny, small, 0.6b; qwen3_moe: tiny, reduced"; }

ModelSpec make_model_spec(const PresetOptions& options) {
  if (options.arch == "qwen3") return qwen3_spec(options);
  if (options.arch == "qwen3_moe") return qwen3_moe_spec(options);
  throw_error(ErrorCode::kInvalidArgument, "unknown --arch '{}' (known: {})", options.arch, list_presets());
}

}  // namespace pio::gen
