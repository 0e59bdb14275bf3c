#include "pio/server/openai_response.h"

#include <random>
#include <utility>

#include "json_writer.h"

namespace pio::server {
namespace {

void write_usage(JsonWriter& w, const GenerationUsage& usage) {
  w.start_object();
  w.field("prompt_tokens", static_cast<uint64_t>(usage.prompt_tokens));
  w.field("completion_tokens", static_cast<uint64_t>(usage.completion_tokens));
  w.field("total_tokens", static_cast<uint64_t>(usage.prompt_tokens + usage.completion_tokens));
  w.key("prompt_tokens_details");
  w.start_object();
  w.field("cached_tokens", static_cast<uint64_t>(usage.cached_tokens));
  w.end_object();
  w.end_object();
}

void write_head(JsonWriter& w, const ResponseContext& c, std::string_view object) {
  w.field("id", c.id);
  w.field("object", object);
  w.field("created", c.created);
  w.field("model", c.model);
  w.field("system_fingerprint", c.system_fingerprint);
}

void write_tool_call(JsonWriter& w, std::string_view id, const ToolCall& call) {
  w.field("id", id);
  w.field("type", "function");
  w.key("function");
  w.start_object();
  w.field("name", call.name);
  w.field("arguments", call.arguments);  // OpenAI sends the arguments as JSON *text*
  w.end_object();
}

// One SSE chunk with a single choice: `payload` writes the choice's content (chat: "delta",
// completions: "text"); the rest of the chunk is the same for both endpoints.
template <typename Payload>
std::string stream_chunk(const ResponseContext& context, std::string_view object, bool include_usage,
                         std::string_view finish_reason, const Payload& payload) {
  JsonWriter w;
  w.start_object();
  write_head(w, context, object);
  w.key("choices");
  w.start_array();
  w.start_object();
  w.field("index", 0);
  payload(w);
  w.key("logprobs");
  w.null();
  w.key("finish_reason");
  if (finish_reason.empty()) {
    w.null();
  } else {
    w.string(finish_reason);
  }
  w.end_object();
  w.end_array();
  if (include_usage) {  // OpenAI sends "usage": null on every chunk but the last when asked for usage
    w.key("usage");
    w.null();
  }
  w.end_object();
  return sse_data(w.take());
}

}  // namespace

std::string random_id(std::string_view prefix) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string id(prefix);
  for (int i = 0; i < 24; ++i) id += kAlphabet[pick(rng)];
  return id;
}

std::string_view api_finish_reason(FinishReason reason) {
  return reason == FinishReason::kCancelled ? "stop" : finish_reason_name(reason);
}

std::string usage_json(const GenerationUsage& usage) {
  JsonWriter w;
  write_usage(w, usage);
  return w.take();
}

std::string chat_completion_json(const ResponseContext& context, const GenerationResult& result,
                                 std::vector<std::string> tool_call_ids) {
  while (tool_call_ids.size() < result.tool_calls.size()) tool_call_ids.push_back(random_id("call_"));
  JsonWriter w;
  w.start_object();
  write_head(w, context, "chat.completion");
  w.key("choices");
  w.start_array();
  w.start_object();
  w.field("index", 0);
  w.key("message");
  w.start_object();
  w.field("role", "assistant");
  w.key("content");
  if (result.content.empty() && !result.tool_calls.empty()) {
    w.null();
  } else {
    w.string(result.content);
  }
  if (!result.reasoning.empty()) w.field("reasoning_content", result.reasoning);
  if (!result.tool_calls.empty()) {
    w.key("tool_calls");
    w.start_array();
    for (size_t i = 0; i < result.tool_calls.size(); ++i) {
      w.start_object();
      write_tool_call(w, tool_call_ids[i], result.tool_calls[i]);
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
  w.key("logprobs");
  w.null();
  w.field("finish_reason", api_finish_reason(result.finish_reason));
  w.end_object();
  w.end_array();
  w.key("usage");
  write_usage(w, result.usage);
  w.end_object();
  return w.take();
}

std::string completion_json(const ResponseContext& context, const GenerationResult& result) {
  JsonWriter w;
  w.start_object();
  write_head(w, context, "text_completion");
  w.key("choices");
  w.start_array();
  w.start_object();
  w.field("index", 0);
  w.field("text", result.text);
  w.key("logprobs");
  w.null();
  w.field("finish_reason", api_finish_reason(result.finish_reason));
  w.end_object();
  w.end_array();
  w.key("usage");
  write_usage(w, result.usage);
  w.end_object();
  return w.take();
}

std::string sse_data(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 8);
  out += "data: ";
  out += json;
  out += "\n\n";
  return out;
}

// --- chat stream ---------------------------------------------------------------------------

ChatStream::ChatStream(ResponseContext context, bool include_usage)
    : context_(std::move(context)), include_usage_(include_usage) {}

std::string ChatStream::chunk(std::string_view delta_json, std::string_view finish_reason) const {
  return stream_chunk(context_, "chat.completion.chunk", include_usage_, finish_reason, [&](JsonWriter& w) {
    w.key("delta");
    w.raw(delta_json);
  });
}

std::string ChatStream::role_chunk() const { return chunk(R"({"role":"assistant","content":""})", {}); }

std::string ChatStream::content_chunk(std::string_view text) const {
  JsonWriter d;
  d.start_object();
  d.field("content", text);
  d.end_object();
  return chunk(d.take(), {});
}

std::string ChatStream::reasoning_chunk(std::string_view text) const {
  JsonWriter d;
  d.start_object();
  d.field("reasoning_content", text);
  d.end_object();
  return chunk(d.take(), {});
}

std::string ChatStream::tool_call_chunk(size_t index, std::string_view id, const ToolCall& call) const {
  JsonWriter d;
  d.start_object();
  d.key("tool_calls");
  d.start_array();
  d.start_object();
  d.field("index", static_cast<uint64_t>(index));
  write_tool_call(d, id, call);
  d.end_object();
  d.end_array();
  d.end_object();
  return chunk(d.take(), {});
}

std::string ChatStream::finish_chunk(FinishReason reason) const { return chunk("{}", api_finish_reason(reason)); }

std::string ChatStream::usage_chunk(const GenerationUsage& usage) const {
  JsonWriter w;
  w.start_object();
  write_head(w, context_, "chat.completion.chunk");
  w.key("choices");
  w.start_array();
  w.end_array();
  w.key("usage");
  write_usage(w, usage);
  w.end_object();
  return sse_data(w.take());
}

// --- completion stream ---------------------------------------------------------------------

CompletionStream::CompletionStream(ResponseContext context, bool include_usage)
    : context_(std::move(context)), include_usage_(include_usage) {}

std::string CompletionStream::chunk(std::string_view text, std::string_view finish_reason) const {
  return stream_chunk(context_, "text_completion", include_usage_, finish_reason,
                      [&](JsonWriter& w) { w.field("text", text); });
}

std::string CompletionStream::text_chunk(std::string_view text) const { return chunk(text, {}); }

std::string CompletionStream::finish_chunk(FinishReason reason) const { return chunk("", api_finish_reason(reason)); }

std::string CompletionStream::usage_chunk(const GenerationUsage& usage) const {
  JsonWriter w;
  w.start_object();
  write_head(w, context_, "text_completion");
  w.key("choices");
  w.start_array();
  w.end_array();
  w.key("usage");
  write_usage(w, usage);
  w.end_object();
  return sse_data(w.take());
}

}  // namespace pio::server
