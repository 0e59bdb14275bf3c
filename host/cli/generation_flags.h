// The generation flags `pio run` and `pio chat` share, and what they turn into: sampling values
// over the model's generation_config defaults, stop conditions, thinking mode, tools, and the
// chat prompt rendered through the model's template.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "pio/generation/generator.h"
#include "pio/generation/model_profile.h"
#include "pio/host/model.h"

namespace pio::cli {

struct GenerationFlags {
  std::optional<size_t> max_new_tokens;
  std::optional<float> temperature;
  std::optional<int32_t> top_k;
  std::optional<float> top_p;
  std::optional<float> min_p;
  std::optional<float> repetition_penalty;
  std::optional<float> presence_penalty;
  std::optional<float> frequency_penalty;
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
  std::optional<bool> think;        // --think / --no-think; absent: the template's default
  std::string tools_file;           // --tools FILE.json (OpenAI tools array)
  std::string system;               // --system TEXT
};

// Adds --max-new-tokens, --temperature, --top-k, --top-p, --min-p, --repetition-penalty,
// --presence-penalty, --frequency-penalty, --seed, --stop (repeatable), --think/--no-think,
// --tools, --system to `sub`.
void add_generation_flags(CLI::App* sub, GenerationFlags& flags);

// Default of --max-new-tokens when neither the flag nor generation_config sets it.
inline constexpr size_t kDefaultMaxNewTokens = 1024;

// The tools file's text (a JSON array), or "" without --tools. Throws pio::Error (kNotFound /
// kBadFormat naming the file) when it cannot be read or is not a JSON array.
std::string read_tools_file(const GenerationFlags& flags);

// A request for `prompt_ids`: the model's defaults, then the flags on top. `prompt_text` (the
// rendered prompt) tells whether the output starts inside <think>; `chat` enables the thinking
// split (when the model can think) and tool parsing (when tools_json is non-empty).
GenerationRequest make_request(const ModelProfile& profile, const GenerationFlags& flags,
                               std::vector<int32_t> prompt_ids, std::string_view prompt_text, bool chat,
                               const std::string& tools_json);

// Renders `messages_json` through the model's chat template with add_generation_prompt, the
// thinking flag (when given) and the tools (when non-empty). Throws pio::Error.
std::string render_chat_prompt(const host::Model& model, const std::string& messages_json,
                               std::optional<bool> think, const std::string& tools_json);

// "prompt: 25 tokens (3 cached) in 0.12 s, 208.3 tok/s | generation: 100 tokens in 2.00 s,
// 50.0 tok/s | finish: stop", for stderr.
std::string usage_line(const GenerationResult& result);

}  // namespace pio::cli
