// Building OpenAI response bodies from a generation: the non-streaming objects
// ("chat.completion", "text_completion") and the Server-Sent-Events chunks of a stream
// ("chat.completion.chunk", "text_completion" chunks, then "data: [DONE]").
//
// Forms (as OpenAI sends them):
//  - chat message: {"role": "assistant", "content": TEXT or null, "reasoning_content": TEXT
//    (only when the model produced reasoning), "tool_calls": [{"id": "call_…", "type":
//    "function", "function": {"name": N, "arguments": "<JSON text>"}}] (only when calls were
//    parsed)}; content is null when there are tool calls and no text.
//  - finish_reason: "stop", "length", "tool_calls".
//  - usage: {"prompt_tokens", "completion_tokens", "total_tokens",
//    "prompt_tokens_details": {"cached_tokens"}}.
//  - stream: a first chunk with delta {"role": "assistant", "content": ""}; one chunk per
//    content / reasoning delta; one chunk per tool call (complete, with its index); a last chunk
//    with an empty delta and the finish_reason; with include_usage every chunk has "usage": null
//    and one more chunk with "choices": [] carries the usage.
//
// Thread-safety: pure functions; one ChatStream / CompletionStream per response.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pio/generation/generator.h"

namespace pio::server {

// What every object of one response repeats.
struct ResponseContext {
  std::string id;                  // "chatcmpl-…" / "cmpl-…"
  std::string model;               // the name the request used
  int64_t created = 0;             // Unix seconds
  std::string system_fingerprint;  // which loaded model instance answered (plugin, version, load)
};

// A fresh id: `prefix` followed by 24 random alphanumerics ("call_", "chatcmpl-", "cmpl-").
std::string random_id(std::string_view prefix);

// The "usage" object.
std::string usage_json(const GenerationUsage& usage);

// The complete chat.completion object. `tool_call_ids[i]` is the id of result.tool_calls[i]
// (random_id("call_") each); missing ids are generated.
std::string chat_completion_json(const ResponseContext& context, const GenerationResult& result,
                                 std::vector<std::string> tool_call_ids = {});

// The complete text_completion object.
std::string completion_json(const ResponseContext& context, const GenerationResult& result);

// "data: <json>\n\n"
std::string sse_data(std::string_view json);
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

// The chunks of one streamed chat completion.
class ChatStream {
 public:
  ChatStream(ResponseContext context, bool include_usage);

  std::string role_chunk() const;
  std::string content_chunk(std::string_view text) const;
  std::string reasoning_chunk(std::string_view text) const;
  // `index`: the call's position among this response's calls.
  std::string tool_call_chunk(size_t index, std::string_view id, const ToolCall& call) const;
  std::string finish_chunk(FinishReason reason) const;
  std::string usage_chunk(const GenerationUsage& usage) const;

 private:
  std::string chunk(std::string_view delta_json, std::string_view finish_reason) const;
  ResponseContext context_;
  bool include_usage_;
};

// The chunks of one streamed text completion.
class CompletionStream {
 public:
  CompletionStream(ResponseContext context, bool include_usage);

  std::string text_chunk(std::string_view text) const;
  std::string finish_chunk(FinishReason reason) const;
  std::string usage_chunk(const GenerationUsage& usage) const;

 private:
  std::string chunk(std::string_view text, std::string_view finish_reason) const;
  ResponseContext context_;
  bool include_usage_;
};

// The OpenAI finish_reason of a result; "stop" for a cancelled one (its client is gone).
std::string_view api_finish_reason(FinishReason reason);

}  // namespace pio::server
