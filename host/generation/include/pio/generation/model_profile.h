// ModelProfile — what the generation side needs to know about a loaded model, read from the
// plugin's describe JSON (pio_plugin_api::model_describe): EOS ids, context and vocab sizes,
// capabilities (thinking, tools), the chat-template flag and the generation_config defaults.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pio/generation/sampling_params.h"

namespace pio {

struct ModelProfile {
  std::string architecture;
  std::string model_type;
  bool thinking = false;       // capabilities.thinking: split <think> output
  bool tools = false;          // capabilities.tools
  bool chat_template = false;  // render_chat_template works
  size_t context_length = 0;   // 0 = unknown
  size_t vocab_size = 0;
  std::vector<int32_t> eos_ids;
  GenerationDefaults defaults;
  std::optional<size_t> max_new_tokens;  // generation_config max_new_tokens, when set

  // SamplingParams from the defaults (sampling_params_from_defaults).
  SamplingParams sampling() const { return sampling_params_from_defaults(defaults); }
};

// Parses a describe JSON object. Missing keys keep the defaults above; a value of the wrong type
// or malformed JSON throws pio::Error kBadFormat naming the key.
ModelProfile parse_model_profile(std::string_view describe_json);

}  // namespace pio
