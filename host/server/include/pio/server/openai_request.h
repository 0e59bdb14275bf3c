// Parsing and validating the bodies of POST /v1/chat/completions and POST /v1/completions.
//
// The result is plain data; nothing here touches a model. Every problem is an ApiError (400,
// "invalid_request_error", `param` naming the field): malformed JSON, a field of the wrong type,
// a value out of range, n != 1, an empty or malformed messages array, unsupported features.
// Unknown fields are ignored, as OpenAI-compatible servers do (clients send "user",
// "metadata", ...).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pio::server {

// The sampling fields a request may set; absent fields take the model's generation defaults.
struct SamplingOverrides {
  std::optional<float> temperature;        // [0, 2]
  std::optional<float> top_p;              // (0, 1]
  std::optional<int32_t> top_k;            // >= 0 (-1, vLLM's "off", reads as 0)
  std::optional<float> min_p;              // [0, 1]
  std::optional<float> presence_penalty;   // [-2, 2]
  std::optional<float> frequency_penalty;  // [-2, 2]
  std::optional<float> repetition_penalty; // > 0 (vLLM / llama-server extension)
  std::optional<uint64_t> seed;
};

struct ApiRequest {
  enum class Kind { kChat, kCompletion };
  Kind kind = Kind::kChat;
  std::string model;

  // Chat: the messages as JSON text, normalised for the chat template (content parts joined into
  // one string, "developer" read as "system", tool-call arguments given as JSON strings parsed
  // into objects). The template options: add_generation_prompt, tools, every key of
  // chat_template_kwargs (enable_thinking, ...).
  std::string messages_json;
  std::string template_options_json;
  // Chat: the tools array (JSON text) when the request offers tools and tool_choice is not
  // "none": calls in the output are parsed against it. Empty: no tool parsing.
  std::string tools_json;

  // Completion: the prompt text, or token ids when the request gave ids.
  std::string prompt;
  std::optional<std::vector<int32_t>> prompt_ids;

  std::optional<size_t> max_tokens;  // max_completion_tokens, else max_tokens; >= 1
  SamplingOverrides sampling;
  std::vector<std::string> stop;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

struct RequestLimits {
  size_t max_tokens_limit = 32768;
  size_t max_stop_strings = 16;
};

// Parse a chat completion body. Throws ApiError (400).
ApiRequest parse_chat_request(std::string_view body, const RequestLimits& limits);

// Parse a (legacy) completion body: "prompt" is a string, an array of one string, or an array
// of token ids. Throws ApiError (400).
ApiRequest parse_completion_request(std::string_view body, const RequestLimits& limits);

}  // namespace pio::server
