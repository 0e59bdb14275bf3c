// config.json loading and the decoder dimensions shared by the transformer families.
//
//   pio::JsonValue cfg = pio::load_model_config(dir);            // config.json (checked object)
//   pio::DecoderDims dims = pio::parse_decoder_dims(cfg);          // validated sizes
//   pio::RopeConfig rope = pio::parse_rope_config(cfg, 1e6);       // model_config_rope.h
//
// Family-specific fields (MoE sizes, layer types, ...) are read by each plugin with the typed
// getters of pio/sdk/json.h, whose errors already name the file and the field.
// Thread-safety: pure functions (load_model_config reads a file); safe concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pio/sdk/json.h"
#include "pio/sdk/model_config_generation.h"
#include "pio/sdk/model_config_rope.h"

namespace pio {

// Reads <model_dir>/config.json (kNotFound if missing, kBadFormat if malformed or not an object).
JsonValue load_model_config(const std::filesystem::path& model_dir);

// The shape of a decoder-only transformer, as config.json spells it.
struct DecoderDims {
  std::string model_type;                 // "qwen3"; "" if absent
  std::vector<std::string> architectures; // ["Qwen3ForCausalLM"]; empty if absent
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;          // 0 if absent (MoE-only configs)
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;        // defaults to num_attention_heads
  int64_t head_dim = 0;                   // defaults to hidden_size / num_attention_heads
  double rms_norm_eps = 1e-6;
  int64_t max_position_embeddings = 0;    // 0 if absent
  bool tie_word_embeddings = false;
  bool attention_bias = false;
  std::string torch_dtype;                // "bfloat16" ("dtype" in 5.x, "torch_dtype" in 4.x); "" if absent
  std::optional<int64_t> bos_token_id;
  std::vector<int64_t> eos_token_ids;     // int or list in the file

  int64_t gqa_group() const noexcept { return num_attention_heads / num_key_value_heads; }
};

// Reads and validates the common fields: all sizes > 0, num_attention_heads divisible by
// num_key_value_heads, head_dim even (RoPE pairs dims), 0 < rms_norm_eps < 1. Throws kNotFound
// for a missing required field, kBadFormat for a wrong type or an invalid value (message names
// the file, the field and the values: "config.json: num_attention_heads (16) is not a multiple of
// num_key_value_heads (6)"). `tie_default` is the family's tie_word_embeddings default.
DecoderDims parse_decoder_dims(const JsonValue& config, bool tie_default = false);

}  // namespace pio
