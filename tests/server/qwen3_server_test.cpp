// The server on the real qwen3 plugin: thinking on/off and tools through the Qwen3 chat
// template (tests/fixtures/qwen3/tied and the small random checkpoint with the real tokenizer,
// made by the server.qwen3_small_checkpoint fixture), and memory back to the level of one model
// after two hot swaps under streaming load.
#include <atomic>
#include <thread>

#include "server_test_support.h"

using namespace pio::server;
using namespace pio::server::test;

namespace {

const fs::path kPlugins = PIO_BUILD_PLUGIN_DIR;
const fs::path kTied = fs::path(PIO_FIXTURE_DIR) / "qwen3" / "tied";
const fs::path kSmall = PIO_QWEN3_SMALL_DIR;

ServedModelsOptions qwen3_models(size_t context_length) {
  return ServedModelsOptions{only_dirs({kPlugins}), {}, context_length, 2};
}

std::string chat(const std::string& model, const std::string& extra, int max_tokens = 8) {
  return fmt::format(R"({{"model": "{}", "messages": [{{"role": "user", "content": "Why is the sky blue?"}}],
                         "temperature": 0, "max_tokens": {}{}}})",
                     model, max_tokens, extra.empty() ? "" : ", " + extra);
}

}  // namespace

TEST_CASE("thinking on and off through the Qwen3 template", "[server][qwen3][thinking]") {
  RunningServer running(test_options(), qwen3_models(0));
  running.server->models().load("qwen", kTied);
  running.start();
  auto client = running.client();

  auto on = client.Post("/v1/chat/completions", chat("qwen", R"("chat_template_kwargs": {"enable_thinking": true})"),
                        "application/json");
  auto off = client.Post("/v1/chat/completions", chat("qwen", R"("chat_template_kwargs": {"enable_thinking": false})"),
                         "application/json");
  auto by_default = client.Post("/v1/chat/completions", chat("qwen", ""), "application/json");
  REQUIRE(on);
  REQUIRE(off);
  REQUIRE(by_default);
  INFO(on->body << "\n" << off->body);
  REQUIRE(on->status == 200);
  REQUIRE(off->status == 200);
  auto d_on = parse_json(on->body);
  auto d_off = parse_json(off->body);
  // enable_thinking=false closes an empty <think></think> block in the prompt: "<think>\n\n</think>\n\n".
  const int on_tokens = d_on["usage"]["prompt_tokens"].GetInt();
  const int off_tokens = d_off["usage"]["prompt_tokens"].GetInt();
  CHECK(off_tokens > on_tokens);
  CHECK(parse_json(by_default->body)["usage"]["prompt_tokens"].GetInt() == on_tokens);  // Qwen3 thinks by default
  CHECK_FALSE(d_off["choices"][0]["message"].HasMember("reasoning_content"));

  // Streamed with thinking on: the reasoning and content deltas add up to the non-streamed fields.
  auto streamed = client.Post(
      "/v1/chat/completions", chat("qwen", R"("chat_template_kwargs": {"enable_thinking": true}, "stream": true)"),
      "application/json");
  REQUIRE(streamed);
  SseStream sse = parse_sse(streamed->body);
  CHECK(sse.done);
  std::string content, reasoning;
  for (const auto& e : sse.events) {
    const auto& delta = e["choices"][0]["delta"];
    if (delta.HasMember("content")) content += str(delta["content"]);
    if (delta.HasMember("reasoning_content")) reasoning += str(delta["reasoning_content"]);
  }
  const auto& message = d_on["choices"][0]["message"];
  CHECK(content == str(message["content"]));
  CHECK(reasoning == (message.HasMember("reasoning_content") ? str(message["reasoning_content"]) : std::string()));
}

TEST_CASE("tools through the Qwen3 template", "[server][qwen3][tools]") {
  RunningServer running(test_options(), qwen3_models(1024));
  running.server->models().load("qwen", kSmall);
  running.start();
  auto client = running.client();
  const std::string tools = R"("tools": [{"type": "function", "function": {"name": "get_weather",
      "description": "Current weather", "parameters": {"type": "object",
      "properties": {"city": {"type": "string"}}, "required": ["city"]}}}])";
  auto plain = client.Post("/v1/chat/completions", chat("qwen", ""), "application/json");
  auto with_tools = client.Post("/v1/chat/completions", chat("qwen", tools), "application/json");
  auto none = client.Post("/v1/chat/completions", chat("qwen", tools + R"(, "tool_choice": "none")"),
                          "application/json");
  REQUIRE(plain);
  REQUIRE(with_tools);
  REQUIRE(none);
  INFO(with_tools->body);
  REQUIRE(with_tools->status == 200);
  auto d = parse_json(with_tools->body);
  const int plain_tokens = parse_json(plain->body)["usage"]["prompt_tokens"].GetInt();
  CHECK(d["usage"]["prompt_tokens"].GetInt() > plain_tokens + 50);  // the tool list is in the system prompt
  CHECK(parse_json(none->body)["usage"]["prompt_tokens"].GetInt() == plain_tokens);
  const std::string finish = str(d["choices"][0]["finish_reason"]);
  CHECK((finish == "stop" || finish == "length" || finish == "tool_calls"));

  // A conversation carrying a tool call and its result renders and runs (arguments given as the
  // JSON string OpenAI clients send).
  auto followup = client.Post("/v1/chat/completions", R"({"model": "qwen", "max_tokens": 4, "temperature": 0,
      "messages": [{"role": "user", "content": "Weather in Paris?"},
                   {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
                   {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp\": 21}"}], )" + tools + "}",
                              "application/json");
  REQUIRE(followup);
  INFO(followup->body);
  CHECK(followup->status == 200);
}

TEST_CASE("memory returns to about one model after two swaps under load", "[server][qwen3][hot_swap][memory]") {
  ServerOptions options = test_options();
  options.max_concurrency = 3;
  RunningServer running(options, qwen3_models(256));
  ServedModels& models = running.server->models();
  models.load("qwen", kSmall);
  running.start();
  auto client = running.client();
  const int64_t weights = models.acquire("qwen")->info().weights_bytes;
  REQUIRE(weights > 50'000'000);

  auto request = [&](httplib::Client& c, int i) {
    auto res = c.Post("/v1/chat/completions",
                      fmt::format(R"({{"model": "qwen", "messages": [{{"role": "user", "content": "hello {}"}}],
                                    "max_tokens": 6, "stream": true, "seed": {}}})",
                                  i, i),
                      "application/json");
    return res && res->status == 200 && parse_sse(res->body).done;
  };
  for (int i = 0; i < 3; ++i) REQUIRE(request(client, i));  // weights and sessions resident
  const int64_t one_model = resident_memory_bytes();

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c) {
    clients.emplace_back([&, c] {
      auto cl = running.client();
      for (int i = 0; !stop; ++i) (request(cl, 100 * c + i) ? ok : failed)++;
    });
  }
  auto progress = [&](int n) {
    const int target = ok + failed + n;
    REQUIRE(eventually([&] { return ok + failed >= target; }));
  };
  std::weak_ptr<ModelInstance> old1, old2;
  progress(3);
  old1 = models.swap("qwen", kSmall);
  progress(3);
  old2 = models.swap("qwen", kSmall);
  progress(3);
  stop = true;
  for (auto& t : clients) t.join();
  CHECK(failed == 0);
  REQUIRE(eventually([&] { return old1.expired() && old2.expired(); }));
  for (int i = 0; i < 3; ++i) REQUIRE(request(client, 1000 + i));
  const int64_t after = resident_memory_bytes();
  INFO("resident with one model " << one_model / 1e6 << " MB, after two swaps " << after / 1e6 << " MB, weights "
                                  << weights / 1e6 << " MB");
  CHECK(after < one_model + weights / 2);  // two replaced models (2 x weights) were given back
}
