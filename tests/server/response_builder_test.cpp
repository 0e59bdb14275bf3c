// Response bodies (openai_response.h): the non-streaming objects and the SSE chunks, including
// the tool-call path fed with a real parser result (the tiny random models never call tools).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "pio/generation/tool_call_parser.h"
#include "pio/generation/tool_schemas.h"
#include "pio/server/openai_response.h"

using namespace pio;
using namespace pio::server;

namespace {

rapidjson::Document json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

// The JSON of one "data: {...}\n\n" event.
rapidjson::Document event_json(const std::string& event) {
  REQUIRE(event.rfind("data: ", 0) == 0);
  REQUIRE(event.size() > 8);
  REQUIRE(event.substr(event.size() - 2) == "\n\n");
  return json(event.substr(6, event.size() - 8));
}

ResponseContext context() { return {"chatcmpl-test", "qwen", 1700000000, "pio-qwen3-1.0.0-m1"}; }

GenerationUsage usage(size_t prompt, size_t cached, size_t completion) {
  GenerationUsage u;
  u.prompt_tokens = prompt;
  u.cached_tokens = cached;
  u.completion_tokens = completion;
  return u;
}

const char* kTools = R"([{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}}}])";

}  // namespace

TEST_CASE("chat.completion with text, reasoning and usage", "[server][response]") {
  GenerationResult r;
  r.content = "The answer is 4.";
  r.reasoning = "2 + 2 = 4";
  r.finish_reason = FinishReason::kStop;
  r.usage = usage(12, 5, 7);
  auto d = json(chat_completion_json(context(), r));
  CHECK(std::string(d["id"].GetString()) == "chatcmpl-test");
  CHECK(std::string(d["object"].GetString()) == "chat.completion");
  CHECK(d["created"].GetInt64() == 1700000000);
  CHECK(std::string(d["model"].GetString()) == "qwen");
  CHECK(std::string(d["system_fingerprint"].GetString()) == "pio-qwen3-1.0.0-m1");
  const auto& choice = d["choices"][0];
  CHECK(choice["index"].GetInt() == 0);
  CHECK(std::string(choice["message"]["role"].GetString()) == "assistant");
  CHECK(std::string(choice["message"]["content"].GetString()) == "The answer is 4.");
  CHECK(std::string(choice["message"]["reasoning_content"].GetString()) == "2 + 2 = 4");
  CHECK_FALSE(choice["message"].HasMember("tool_calls"));
  CHECK(std::string(choice["finish_reason"].GetString()) == "stop");
  CHECK(d["usage"]["prompt_tokens"].GetInt() == 12);
  CHECK(d["usage"]["completion_tokens"].GetInt() == 7);
  CHECK(d["usage"]["total_tokens"].GetInt() == 19);
  CHECK(d["usage"]["prompt_tokens_details"]["cached_tokens"].GetInt() == 5);

  r.reasoning.clear();
  r.finish_reason = FinishReason::kLength;
  d = json(chat_completion_json(context(), r));
  CHECK_FALSE(d["choices"][0]["message"].HasMember("reasoning_content"));
  CHECK(std::string(d["choices"][0]["finish_reason"].GetString()) == "length");
}

TEST_CASE("tool calls from the parser become OpenAI tool_calls", "[server][response][tools]") {
  const ToolSchemas schemas = ToolSchemas::from_json(kTools);
  // Qwen3-Coder XML and Qwen3 JSON calls in one output, as the generation loop would parse them.
  const std::string output =
      "Let me check.\n\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
      "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>\n<tool_call>\n"
      "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"days\": 1}}\n</tool_call>";
  const ParsedToolCalls parsed = parse_tool_calls(output, schemas);
  REQUIRE(parsed.calls.size() == 2);

  GenerationResult r;
  r.content = parsed.content;
  r.tool_calls = parsed.calls;
  r.finish_reason = FinishReason::kToolCalls;
  r.usage = usage(30, 0, 40);
  auto d = json(chat_completion_json(context(), r, {"call_a"}));
  const auto& message = d["choices"][0]["message"];
  CHECK(std::string(message["content"].GetString()) == "Let me check.");
  CHECK(std::string(d["choices"][0]["finish_reason"].GetString()) == "tool_calls");
  const auto& calls = message["tool_calls"];
  REQUIRE(calls.Size() == 2);
  CHECK(std::string(calls[0]["id"].GetString()) == "call_a");
  CHECK(std::string(calls[1]["id"].GetString()).rfind("call_", 0) == 0);  // generated
  CHECK(std::string(calls[1]["id"].GetString()).size() == 5 + 24);
  for (const auto& call : calls.GetArray()) {
    CHECK(std::string(call["type"].GetString()) == "function");
    CHECK(std::string(call["function"]["name"].GetString()) == "get_weather");
    REQUIRE(call["function"]["arguments"].IsString());  // JSON text, as OpenAI sends it
  }
  auto args0 = json(calls[0]["function"]["arguments"].GetString());
  CHECK(std::string(args0["city"].GetString()) == "Paris");
  CHECK(args0["days"].GetInt() == 3);  // typed by the schema
  auto args1 = json(calls[1]["function"]["arguments"].GetString());
  CHECK(std::string(args1["city"].GetString()) == "Oslo");

  // Calls and no text: content is null.
  r.content.clear();
  d = json(chat_completion_json(context(), r));
  CHECK(d["choices"][0]["message"]["content"].IsNull());
}

TEST_CASE("chat stream chunks", "[server][response][stream]") {
  ChatStream s(context(), /*include_usage=*/true);
  auto role = event_json(s.role_chunk());
  CHECK(std::string(role["object"].GetString()) == "chat.completion.chunk");
  CHECK(std::string(role["choices"][0]["delta"]["role"].GetString()) == "assistant");
  CHECK(role["choices"][0]["finish_reason"].IsNull());
  CHECK(role["usage"].IsNull());

  auto content = event_json(s.content_chunk("Hel\"lo\n"));
  CHECK(std::string(content["choices"][0]["delta"]["content"].GetString()) == "Hel\"lo\n");
  auto reasoning = event_json(s.reasoning_chunk("hmm"));
  CHECK(std::string(reasoning["choices"][0]["delta"]["reasoning_content"].GetString()) == "hmm");
  CHECK_FALSE(reasoning["choices"][0]["delta"].HasMember("content"));

  const ToolCall call{"get_weather", R"({"city":"Paris"})"};
  auto tool = event_json(s.tool_call_chunk(1, "call_x", call));
  const auto& tc = tool["choices"][0]["delta"]["tool_calls"][0];
  CHECK(tc["index"].GetInt() == 1);
  CHECK(std::string(tc["id"].GetString()) == "call_x");
  CHECK(std::string(tc["function"]["arguments"].GetString()) == R"({"city":"Paris"})");

  auto finish = event_json(s.finish_chunk(FinishReason::kToolCalls));
  CHECK(finish["choices"][0]["delta"].ObjectEmpty());
  CHECK(std::string(finish["choices"][0]["finish_reason"].GetString()) == "tool_calls");

  auto u = event_json(s.usage_chunk(usage(3, 1, 4)));
  CHECK(u["choices"].Empty());
  CHECK(u["usage"]["total_tokens"].GetInt() == 7);

  ChatStream plain(context(), /*include_usage=*/false);
  CHECK_FALSE(event_json(plain.content_chunk("x")).HasMember("usage"));
  CHECK(std::string(kSseDone) == "data: [DONE]\n\n");
}

TEST_CASE("text_completion objects and chunks", "[server][response][stream]") {
  GenerationResult r;
  r.text = "lazy dog";
  r.finish_reason = FinishReason::kCancelled;  // the client went away: reported as "stop"
  r.usage = usage(4, 0, 2);
  auto d = json(completion_json({"cmpl-1", "toy", 5, "fp"}, r));
  CHECK(std::string(d["object"].GetString()) == "text_completion");
  CHECK(std::string(d["choices"][0]["text"].GetString()) == "lazy dog");
  CHECK(std::string(d["choices"][0]["finish_reason"].GetString()) == "stop");
  CHECK(d["usage"]["completion_tokens"].GetInt() == 2);

  CompletionStream s({"cmpl-1", "toy", 5, "fp"}, true);
  auto chunk = event_json(s.text_chunk("la"));
  CHECK(std::string(chunk["choices"][0]["text"].GetString()) == "la");
  CHECK(chunk["choices"][0]["finish_reason"].IsNull());
  auto finish = event_json(s.finish_chunk(FinishReason::kLength));
  CHECK(std::string(finish["choices"][0]["finish_reason"].GetString()) == "length");
  CHECK(event_json(s.usage_chunk(r.usage))["usage"]["prompt_tokens"].GetInt() == 4);
}

TEST_CASE("random ids are distinct", "[server][response]") {
  const std::string a = random_id("call_");
  const std::string b = random_id("call_");
  CHECK(a != b);
  CHECK(a.size() == 29);
}

TEST_CASE("invalid UTF-8 from a model becomes U+FFFD, so bodies stay valid JSON", "[server][response]") {
  GenerationResult r;
  r.content = std::string("ok \xff\xfe end \xe2\x82\xac \xe2\x82", 17);
  const std::string body = chat_completion_json(context(), r);
  rapidjson::Document d;
  d.Parse<rapidjson::kParseValidateEncodingFlag>(body.c_str());
  REQUIRE_FALSE(d.HasParseError());
  CHECK(std::string(d["choices"][0]["message"]["content"].GetString()) ==
        "ok \xEF\xBF\xBD\xEF\xBF\xBD end \xE2\x82\xAC \xEF\xBF\xBD\xEF\xBF\xBD");
}
