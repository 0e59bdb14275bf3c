// The checkpoints pio-gen-checkpoint can write: per architecture and preset, the config.json and
// generation_config.json of the real model family and the list of tensors with their shapes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pio::gen {

// How a tensor's values are drawn (see random_fill.h).
enum class Init {
  kMatrix,  // N(0, matrix_std^2): embeddings, projections, router
  kNorm,    // 1 + N(0, norm_std^2): RMSNorm weights
};

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  Init init = Init::kMatrix;
};

struct ModelSpec {
  std::string config_json;             // config.json text
  std::string generation_config_json;  // generation_config.json text
  std::vector<TensorSpec> tensors;     // sorted by name, as save_pretrained writes them
};

struct PresetOptions {
  std::string arch;                  // "qwen3" | "qwen3_moe"
  std::string preset;                // qwen3: tiny|small|0.6b; qwen3_moe: tiny|reduced
  std::optional<int64_t> layers;     // overrides the preset's depth
  bool store_lm_head = false;        // tied models: also store lm_head.weight (as the instruct repo does)
  std::string torch_dtype = "bfloat16";
};

// Builds the spec. Throws pio::Error kInvalidArgument for an unknown arch/preset or bad layers.
ModelSpec make_model_spec(const PresetOptions& options);

// "qwen3: tiny, small, 0.6b; qwen3_moe: tiny, reduced" for --help and errors.
std::string list_presets();

}  // namespace pio::gen
