// Qwen3 (dense) hyper-parameters from config.json, validated. Spec: docs/models/qwen3.md §2.
#pragma once

#include <cstdint>
#include <filesystem>

#include "pio/sdk/json.h"
#include "pio/sdk/model_config.h"
#include "pio/sdk/model_config_rope.h"

namespace pio::qwen3 {

struct Qwen3Config {
  DecoderDims dims;         // vocab, hidden, intermediate, layers, heads, head_dim, eps, tie, ...
  RopeConfig rope;        // rope_theta + rope_scaling (4.x) or rope_parameters (5.x)

  // Parses and validates config.json. Throws pio::Error(kBadFormat) for missing or inconsistent
  // fields (heads that do not divide, non-positive sizes) and kUnsupported for features this
  // plugin does not implement (sliding-window attention), each naming the field and the file.
  static Qwen3Config parse(const JsonValue& config, const std::filesystem::path& source);
};

}  // namespace pio::qwen3
