// pio/sdk/model_info.h — what model_describe reports, as a C++ struct. The adapter serialises
// it to the JSON documented at pio_plugin_api::model_describe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pio/plugin_abi.h"

namespace pio::sdk {

struct Capabilities {
  bool text = true;
  bool vision = false;
  bool thinking = false;
  bool tools = false;
};

// Special token ids; std::nullopt is written as JSON null.
struct SpecialTokens {
  std::optional<pio_token> bos;
  std::vector<pio_token> eos;  // every id that ends generation
  std::optional<pio_token> pad;
  std::optional<pio_token> image;  // the image placeholder token of vision models
};

// Sampling defaults from generation_config.json; unset fields are omitted from the JSON.
struct GenerationDefaults {
  std::optional<double> temperature;
  std::optional<int64_t> top_k;
  std::optional<double> top_p;
  std::optional<double> min_p;
  std::optional<double> repetition_penalty;
  std::optional<double> presence_penalty;
  std::optional<bool> do_sample;
  std::optional<int64_t> max_new_tokens;
};

struct ModelInfo {
  std::string architecture;  // config.json architectures[0], e.g. "Qwen3ForCausalLM"
  std::string model_type;    // config.json model_type, e.g. "qwen3"
  Capabilities capabilities;
  int64_t context_length = 0;  // maximum positions of the loaded model
  int64_t vocab_size = 0;      // logits row width
  SpecialTokens special_tokens;
  bool chat_template = false;  // render_chat_template is available
  GenerationDefaults generation_defaults;
  std::string dtype;   // what the weights are computed in, e.g. "bf16"
  std::string device;  // e.g. "cpu", "cuda:0"
  // Plugin-specific keys added to the top-level object: {key, raw JSON value text}.
  std::vector<std::pair<std::string, std::string>> extra;
};

// Serialises to the model_describe JSON. Throws pio::Error kInvalidArgument when an `extra`
// value is not valid JSON or repeats a standard key.
std::string to_json(const ModelInfo& info);

}  // namespace pio::sdk
