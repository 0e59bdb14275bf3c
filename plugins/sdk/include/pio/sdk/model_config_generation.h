// pio::GenerationConfig — generation_config.json with the Hugging Face defaults filled in.
//
// Every field is optional in the file, and the file itself is optional: what is absent (or null)
// keeps the GenerationConfig default, which is transformers' GenerationConfig default. EOS ids
// come from generation_config.json ("eos_token_id": int or list), else from config.json.
// Thread-safety: pure functions (load_generation_config reads files); safe concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "pio/sdk/json.h"

namespace pio {

struct GenerationConfig {
  bool from_file = false;                // generation_config.json existed
  std::vector<int64_t> eos_token_ids;    // stop ids; may be empty
  std::optional<int64_t> bos_token_id;
  std::optional<int64_t> pad_token_id;
  bool do_sample = false;
  double temperature = 1.0;
  int64_t top_k = 50;                    // 0 disables
  double top_p = 1.0;                    // 1 disables
  double min_p = 0.0;                    // HF default None = disabled
  double repetition_penalty = 1.0;       // 1 disables
  std::optional<int64_t> max_new_tokens; // HF default None
  int64_t max_length = 20;               // HF default; prompt + new tokens when max_new_tokens is unset
};

// Parses a generation_config.json object. `model_config` (config.json, may be an empty
// JsonValue) supplies eos/bos/pad ids the generation config lacks. Throws kBadFormat for wrong
// types or invalid values (temperature < 0, top_p outside [0, 1], top_k < 0, min_p outside
// [0, 1], repetition_penalty <= 0), naming the file and field.
GenerationConfig parse_generation_config(const JsonValue& generation_config, const JsonValue& model_config = {});

// Loads <model_dir>/generation_config.json if it exists (from_file = true), else returns the
// defaults with the ids of <model_dir>/config.json when that exists. Errors as above.
GenerationConfig load_generation_config(const std::filesystem::path& model_dir);

}  // namespace pio
