// Parsing and validating OpenAI request bodies (pio_server's openai_request.h): the accepted
// forms, the normalisation the chat templates rely on, and every rejected input with its param.
#include <catch2/catch.hpp>

#include <string>

#include <rapidjson/document.h>

#include "pio/server/api_error.h"
#include "pio/server/openai_request.h"

using pio::server::ApiError;
using pio::server::ApiRequest;
using pio::server::parse_chat_request;
using pio::server::parse_completion_request;
using pio::server::RequestLimits;

namespace {

const RequestLimits kLimits{/*max_tokens_limit=*/1000, /*max_stop_strings=*/4};

// The ApiError a chat body raises (status 0 when none).
ApiError chat_error(const std::string& body) {
  try {
    parse_chat_request(body, kLimits);
  } catch (const ApiError& e) {
    return e;
  }
  return ApiError(0, "", "no error");
}

ApiError completion_error(const std::string& body) {
  try {
    parse_completion_request(body, kLimits);
  } catch (const ApiError& e) {
    return e;
  }
  return ApiError(0, "", "no error");
}

rapidjson::Document json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

}  // namespace

TEST_CASE("chat request: every supported field is read", "[server][request]") {
  const ApiRequest r = parse_chat_request(R"({
      "model": "qwen", "messages": [{"role": "user", "content": "hi"}],
      "max_tokens": 7, "max_completion_tokens": 9, "temperature": 0.3, "top_p": 0.8, "top_k": 40,
      "min_p": 0.05, "presence_penalty": -0.5, "frequency_penalty": 1.5, "repetition_penalty": 1.1,
      "seed": -3, "stop": ["a", "bc", ""], "n": 1, "stream": true,
      "stream_options": {"include_usage": true},
      "chat_template_kwargs": {"enable_thinking": false, "custom": 3}, "user": "ignored"})",
                                          kLimits);
  CHECK(r.kind == ApiRequest::Kind::kChat);
  CHECK(r.model == "qwen");
  CHECK(r.max_tokens == 9u);  // max_completion_tokens wins over max_tokens
  CHECK(*r.sampling.temperature == Approx(0.3f));
  CHECK(*r.sampling.top_p == Approx(0.8f));
  CHECK(*r.sampling.top_k == 40);
  CHECK(*r.sampling.min_p == Approx(0.05f));
  CHECK(*r.sampling.presence_penalty == Approx(-0.5f));
  CHECK(*r.sampling.frequency_penalty == Approx(1.5f));
  CHECK(*r.sampling.repetition_penalty == Approx(1.1f));
  CHECK(*r.sampling.seed == static_cast<uint64_t>(-3));
  CHECK(r.stop == std::vector<std::string>{"a", "bc"});  // empty stop strings are dropped
  CHECK(r.stream);
  CHECK(r.include_usage);
  CHECK(r.tools_json.empty());
  auto options = json(r.template_options_json);
  CHECK(options["add_generation_prompt"].GetBool());
  CHECK_FALSE(options["enable_thinking"].GetBool());
  CHECK(options["custom"].GetInt() == 3);
  CHECK_FALSE(options.HasMember("tools"));
}

TEST_CASE("chat request: messages are normalised for the template", "[server][request]") {
  const ApiRequest r = parse_chat_request(R"({"model": "m", "messages": [
      {"role": "developer", "content": "be brief"},
      {"role": "user", "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}]},
      {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
          "function": {"name": "f", "arguments": "{\"x\": 1}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "42"}]})",
                                          kLimits);
  auto m = json(r.messages_json);
  REQUIRE(m.Size() == 4);
  CHECK(std::string(m[0]["role"].GetString()) == "system");
  CHECK(std::string(m[1]["content"].GetString()) == "one\ntwo");
  CHECK(std::string(m[2]["content"].GetString()).empty());
  REQUIRE(m[2]["tool_calls"][0]["function"]["arguments"].IsObject());  // parsed for the template
  CHECK(m[2]["tool_calls"][0]["function"]["arguments"]["x"].GetInt() == 1);
  CHECK(std::string(m[3]["tool_call_id"].GetString()) == "call_1");
  CHECK_FALSE(r.stream);
  CHECK_FALSE(r.max_tokens.has_value());
  CHECK_FALSE(r.sampling.temperature.has_value());
}

TEST_CASE("chat request: tools and tool_choice", "[server][request]") {
  const std::string tools = R"([{"type": "function", "function": {"name": "get_weather",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}},
      {"type": "function", "function": {"name": "add", "parameters": {"properties": {"a": {"type": "integer"}}}}}])";
  const std::string base = R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": )" + tools;

  ApiRequest r = parse_chat_request(base + "}", kLimits);
  CHECK(json(r.tools_json).Size() == 2);
  CHECK(json(r.template_options_json)["tools"].Size() == 2);

  r = parse_chat_request(base + R"(, "tool_choice": "none"})", kLimits);
  CHECK(r.tools_json.empty());
  CHECK_FALSE(json(r.template_options_json).HasMember("tools"));

  r = parse_chat_request(base + R"(, "tool_choice": {"type": "function", "function": {"name": "add"}}})", kLimits);
  auto only = json(r.tools_json);
  REQUIRE(only.Size() == 1);
  CHECK(std::string(only[0]["function"]["name"].GetString()) == "add");

  CHECK(chat_error(base + R"(, "tool_choice": {"type": "function", "function": {"name": "nope"}}})").param() ==
        "tool_choice");
  CHECK(chat_error(base + R"(, "tool_choice": "sometimes"})").param() == "tool_choice");
  CHECK(chat_error(R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": {}})").param() ==
        "tools");
  CHECK(chat_error(R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function",
      "function": {"parameters": {}}}]})")
            .status() == 400);
}

TEST_CASE("chat request: each bad input is a 400 naming the field", "[server][request]") {
  const std::string msgs = R"("messages": [{"role": "user", "content": "x"}])";
  struct Case {
    std::string body;
    std::string param;
  };
  const Case cases[] = {
      {R"({"model": "m", )" + msgs, ""},                     // malformed JSON (unterminated)
      {R"([1, 2, 3])", "body"},                                // not an object
      {R"({"model": "m", )" + msgs + "} trailing", ""},     // garbage after the object
      {"{\"model\": \"m\xff\", " + msgs + "}", ""},         // invalid UTF-8
      {"{" + msgs + "}", "model"},                             // model missing
      {R"({"model": 5, )" + msgs + "}", "model"},
      {R"({"model": ""})" , "model"},
      {R"({"model": "m"})", "messages"},
      {R"({"model": "m", "messages": []})", "messages"},
      {R"({"model": "m", "messages": "hi"})", "messages"},
      {R"({"model": "m", "messages": [[[[[[[[[[]]]]]]]]]]})", "messages[0]"},
      {R"({"model": "m", "messages": [{"content": "x"}]})", "messages[0].role"},
      {R"({"model": "m", "messages": [{"role": "wizard", "content": "x"}]})", "messages[0].role"},
      {R"({"model": "m", "messages": [{"role": "user"}]})", "messages[0].content"},
      {R"({"model": "m", "messages": [{"role": "user", "content": 3}]})", "messages[0].content"},
      {R"({"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]})",
       "messages[0].content[0].type"},
      {R"({"model": "m", "messages": [{"role": "assistant", "content": "", "tool_calls": [{"function":
          {"name": "f", "arguments": "{not json"}}]}]})",
       "messages[0].tool_calls[0].function.arguments"},
      {R"({"model": "m", )" + msgs + R"(, "temperature": "hot"})", "temperature"},
      {R"({"model": "m", )" + msgs + R"(, "temperature": 2.5})", "temperature"},
      {R"({"model": "m", )" + msgs + R"(, "temperature": -0.1})", "temperature"},
      {R"({"model": "m", )" + msgs + R"(, "top_p": 0})", "top_p"},
      {R"({"model": "m", )" + msgs + R"(, "top_p": 1.5})", "top_p"},
      {R"({"model": "m", )" + msgs + R"(, "top_k": -2})", "top_k"},
      {R"({"model": "m", )" + msgs + R"(, "top_k": 1.5})", "top_k"},
      {R"({"model": "m", )" + msgs + R"(, "min_p": 2})", "min_p"},
      {R"({"model": "m", )" + msgs + R"(, "presence_penalty": 3})", "presence_penalty"},
      {R"({"model": "m", )" + msgs + R"(, "frequency_penalty": -2.5})", "frequency_penalty"},
      {R"({"model": "m", )" + msgs + R"(, "repetition_penalty": 0})", "repetition_penalty"},
      {R"({"model": "m", )" + msgs + R"(, "max_tokens": 0})", "max_tokens"},
      {R"({"model": "m", )" + msgs + R"(, "max_tokens": 1001})", "max_tokens"},
      {R"({"model": "m", )" + msgs + R"(, "max_completion_tokens": -1})", "max_completion_tokens"},
      {R"({"model": "m", )" + msgs + R"(, "max_tokens": "10"})", "max_tokens"},
      {R"({"model": "m", )" + msgs + R"(, "n": 2})", "n"},
      {R"({"model": "m", )" + msgs + R"(, "seed": "x"})", "seed"},
      {R"({"model": "m", )" + msgs + R"(, "stop": 5})", "stop"},
      {R"({"model": "m", )" + msgs + R"(, "stop": ["a", 1]})", "stop[1]"},
      {R"({"model": "m", )" + msgs + R"(, "stop": ["a", "b", "c", "d", "e"]})", "stop"},
      {R"({"model": "m", )" + msgs + R"(, "stream": "yes"})", "stream"},
      {R"({"model": "m", )" + msgs + R"(, "stream_options": {"include_usage": 1}})", "stream_options.include_usage"},
      {R"({"model": "m", )" + msgs + R"(, "logprobs": true})", "logprobs"},
      {R"({"model": "m", )" + msgs + R"(, "chat_template_kwargs": []})", "chat_template_kwargs"},
      {R"({"model": "m", )" + msgs + R"(, "chat_template_kwargs": {"enable_thinking": "no"}})",
       "chat_template_kwargs.enable_thinking"},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    const ApiError e = chat_error(c.body);
    CHECK(e.status() == 400);
    CHECK(e.type() == "invalid_request_error");
    CHECK(e.param() == c.param);
    CHECK(std::string(e.what()).size() > 5);
  }
}

TEST_CASE("a deeply nested body is rejected without recursion", "[server][request]") {
  std::string deep = R"({"model": "m", "messages": )";
  deep += std::string(200000, '[');
  deep += std::string(200000, ']');
  deep += "}";
  CHECK(chat_error(deep).status() == 400);
}

TEST_CASE("completion request: prompt forms and rejections", "[server][request]") {
  ApiRequest r = parse_completion_request(R"({"model": "m", "prompt": "Once", "stop": "\n", "max_tokens": 5})", kLimits);
  CHECK(r.kind == ApiRequest::Kind::kCompletion);
  CHECK(r.prompt == "Once");
  CHECK_FALSE(r.prompt_ids.has_value());
  CHECK(r.stop == std::vector<std::string>{"\n"});
  r = parse_completion_request(R"({"model": "m", "prompt": ["upon"]})", kLimits);
  CHECK(r.prompt == "upon");
  r = parse_completion_request(R"({"model": "m", "prompt": [5, 6, 7]})", kLimits);
  CHECK(*r.prompt_ids == std::vector<int32_t>{5, 6, 7});
  r = parse_completion_request(R"({"model": "m", "prompt": [[8, 9]], "logprobs": null, "echo": false})", kLimits);
  CHECK(*r.prompt_ids == std::vector<int32_t>{8, 9});

  CHECK(completion_error(R"({"model": "m"})").param() == "prompt");
  CHECK(completion_error(R"({"model": "m", "prompt": []})").param() == "prompt");
  CHECK(completion_error(R"({"model": "m", "prompt": [[]]})").param() == "prompt");
  CHECK(completion_error(R"({"model": "m", "prompt": ["a", "b"]})").param() == "prompt");
  CHECK(completion_error(R"({"model": "m", "prompt": [1, -2]})").param() == "prompt");
  CHECK(completion_error(R"({"model": "m", "prompt": 12})").param() == "prompt");
  CHECK(completion_error(R"({"model": "m", "prompt": "x", "echo": true})").param() == "echo");
  CHECK(completion_error(R"({"model": "m", "prompt": "x", "logprobs": 2})").param() == "logprobs");
  CHECK(completion_error(R"({"model": "m", "prompt": "x", "best_of": 3})").param() == "best_of");
  CHECK(completion_error(R"({"model": "m", "prompt": "x", "suffix": "y"})").param() == "suffix");
  CHECK(completion_error(R"({"model": "m", "prompt": "x", "n": 3})").param() == "n");
}

TEST_CASE("error_json has OpenAI's shape", "[server][request]") {
  auto d = json(pio::server::error_json(pio::server::invalid_request("bad 'x'", "x")));
  CHECK(std::string(d["error"]["message"].GetString()) == "bad 'x'");
  CHECK(std::string(d["error"]["type"].GetString()) == "invalid_request_error");
  CHECK(std::string(d["error"]["param"].GetString()) == "x");
  CHECK(std::string(d["error"]["code"].GetString()) == "invalid_value");
  d = json(pio::server::error_json(ApiError(503, "server_error", "busy")));
  CHECK(d["error"]["param"].IsNull());
  CHECK(d["error"]["code"].IsNull());
}
