// pio::RopeConfig — the rotary-embedding settings of a config.json, in either spelling:
//   transformers 4.x: "rope_theta": 1e6, "rope_scaling": null | {"rope_type"|"type": "yarn", ...}
//   transformers 5.x: "rope_parameters": {"rope_type": "default", "rope_theta": 1e6, ...}
//                     (or per layer type: {"full_attention": {...}, "sliding_attention": {...}})
// Recognised types: default, linear, dynamic, yarn, llama3 (and 4.x "mrope", which is default
// RoPE plus an mrope_section). Anything else is a kUnsupported error naming the file and field.
// This parser only reads and validates; the frequency formulas live with the kernels/plugins.
// Thread-safety: pure functions over immutable JSON; safe to call concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pio/sdk/json.h"

namespace pio {

struct RopeConfig {
  enum class Type { kDefault, kLinear, kDynamic, kYarn, kLlama3 };

  Type type = Type::kDefault;
  double theta = 10000.0;               // rope_theta (the base)
  double partial_rotary_factor = 1.0;   // fraction of head_dim that rotates
  // Scaling (not kDefault). factor: linear/dynamic/yarn/llama3 scale; 1.0 when absent.
  double factor = 1.0;
  // The pre-training context; for yarn/dynamic/llama3. When the config omits it, the model's
  // max_position_embeddings (transformers does the same).
  std::optional<int64_t> original_max_position_embeddings;
  // yarn
  std::optional<double> attention_factor;  // explicit cos/sin scale; else derived from factor
  double beta_fast = 32.0;
  double beta_slow = 1.0;
  std::optional<double> mscale;
  std::optional<double> mscale_all_dim;
  bool truncate = true;
  // llama3
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  // Multimodal RoPE (Qwen2/3-VL): sizes of the t/h/w sections of head_dim/2; empty otherwise.
  std::vector<int64_t> mrope_section;
  bool mrope_interleaved = false;

  // "default", "linear", "dynamic", "yarn", "llama3".
  const char* type_name() const noexcept;
};

// Reads the RoPE settings of `config` (a config.json object, or its "text_config" for
// multimodal models). `default_theta` is the family's base when the config has none (HF: the
// config class default). Throws kUnsupported for an unknown rope type, kBadFormat for wrong
// types or invalid values (theta <= 0, factor < 1 for a scaling type, llama3 without its
// fields), each naming the file and the field.
RopeConfig parse_rope_config(const JsonValue& config, double default_theta = 10000.0);

}  // namespace pio
