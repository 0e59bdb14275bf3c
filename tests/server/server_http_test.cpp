// The server over loopback with raw HTTP (httplib's client and raw sockets), on the toy test
// plugin: chat and completions, streaming and not, stop strings, usage, every bad request,
// auth, the admin API, the bounded queue, a client hanging up mid-stream, and /metrics.
#include <atomic>
#include <thread>

#include "server_test_support.h"

using namespace pio::server;
using namespace pio::server::test;

namespace {

const fs::path kToy100 = PIO_TOY_PLUGIN_DIR_100;

// A server with one toy model named "toy".
struct ToyServer {
  TempDir dir;
  RunningServer running;
  explicit ToyServer(ServerOptions options = test_options(), int eval_delay_ms = 0)
      : running(std::move(options), ServedModelsOptions{only_dirs({kToy100}), {}, 0, 2}) {
    running.server->models().load("toy", make_toy_model(dir.path() / "toy", eval_delay_ms));
    running.start();
  }
  httplib::Client client() const { return running.client(); }
  Server& server() { return *running.server; }
};

std::string chat_body(const std::string& extra = {}, const std::string& content = "Hello there", int max_tokens = 12) {
  return fmt::format(R"({{"model": "toy", "messages": [{{"role": "user", "content": "{}"}}],
                         "temperature": 0, "max_tokens": {}{}}})",
                     content, max_tokens, extra.empty() ? "" : ", " + extra);
}

// The text of a streamed chat: concatenated delta.content.
std::string streamed_content(const SseStream& s) {
  std::string text;
  for (const auto& e : s.events) {
    if (!e.HasMember("choices") || e["choices"].Empty()) continue;
    const auto& delta = e["choices"][0]["delta"];
    if (delta.HasMember("content") && delta["content"].IsString()) text += str(delta["content"]);
  }
  return text;
}

std::string last_finish_reason(const SseStream& s) {
  std::string reason;
  for (const auto& e : s.events) {
    if (e.HasMember("choices") && !e["choices"].Empty() && e["choices"][0]["finish_reason"].IsString())
      reason = str(e["choices"][0]["finish_reason"]);
  }
  return reason;
}

void check_error_shape(const httplib::Result& res, int status) {
  REQUIRE(res);
  INFO(res->body);
  CHECK(res->status == status);
  auto d = parse_json(res->body);
  REQUIRE(d.HasMember("error"));
  CHECK(d["error"]["message"].IsString());
  CHECK(d["error"]["type"].IsString());
  CHECK(d["error"].HasMember("param"));
  CHECK(d["error"].HasMember("code"));
}

}  // namespace

TEST_CASE("chat completion, non-streaming and streaming agree", "[server][http]") {
  ToyServer s;
  auto client = s.client();
  auto res = client.Post("/v1/chat/completions", chat_body(), "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  auto d = parse_json(res->body);
  CHECK(str(d["object"]) == "chat.completion");
  CHECK(str(d["model"]) == "toy");
  CHECK(str(d["id"]).rfind("chatcmpl-", 0) == 0);
  CHECK(str(d["system_fingerprint"]).find("toy-1.0.0") != std::string::npos);
  const auto& choice = d["choices"][0];
  CHECK(str(choice["message"]["role"]) == "assistant");
  const std::string content = str(choice["message"]["content"]);
  const std::string finish = str(choice["finish_reason"]);
  CHECK((finish == "stop" || finish == "length"));
  const auto& usage = d["usage"];
  CHECK(usage["prompt_tokens"].GetInt() > 3);
  CHECK(usage["completion_tokens"].GetInt() >= 1);
  CHECK(usage["completion_tokens"].GetInt() <= 12);
  CHECK(usage["total_tokens"].GetInt() == usage["prompt_tokens"].GetInt() + usage["completion_tokens"].GetInt());

  // The same request streamed (greedy): the same text, finish reason and usage.
  auto streamed = client.Post("/v1/chat/completions",
                              chat_body(R"("stream": true, "stream_options": {"include_usage": true})"),
                              "application/json");
  REQUIRE(streamed);
  REQUIRE(streamed->status == 200);
  CHECK(streamed->get_header_value("Content-Type").rfind("text/event-stream", 0) == 0);
  SseStream sse = parse_sse(streamed->body);
  INFO(sse.problem);
  CHECK(sse.well_formed);
  CHECK(sse.done);
  REQUIRE(sse.events.size() >= 3);
  CHECK(str(sse.events.front()["choices"][0]["delta"]["role"]) == "assistant");
  CHECK(streamed_content(sse) == content);
  CHECK(last_finish_reason(sse) == finish);
  for (const auto& e : sse.events) {
    CHECK(str(e["object"]) == "chat.completion.chunk");
    CHECK(str(e["id"]) == str(sse.events.front()["id"]));
    CHECK(e.HasMember("usage"));  // include_usage: null on every chunk but the last
  }
  const auto& last = sse.events.back();
  CHECK(last["choices"].Empty());
  CHECK(last["usage"]["prompt_tokens"].GetInt() == usage["prompt_tokens"].GetInt());
  CHECK(last["usage"]["completion_tokens"].GetInt() == usage["completion_tokens"].GetInt());

  // Without include_usage no chunk has a usage key.
  auto plain = client.Post("/v1/chat/completions", chat_body(R"("stream": true)"), "application/json");
  REQUIRE(plain);
  SseStream p = parse_sse(plain->body);
  CHECK(p.done);
  for (const auto& e : p.events) CHECK_FALSE(e.HasMember("usage"));
  CHECK(streamed_content(p) == content);
}

TEST_CASE("completions: text and token-id prompts, streaming, usage", "[server][http]") {
  ToyServer s;
  auto client = s.client();
  auto res = client.Post("/v1/completions", R"({"model": "toy", "prompt": [10, 20, 30, 40], "max_tokens": 6,
                                               "temperature": 0})",
                         "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  auto d = parse_json(res->body);
  CHECK(str(d["object"]) == "text_completion");
  CHECK(str(d["id"]).rfind("cmpl-", 0) == 0);
  CHECK(d["usage"]["prompt_tokens"].GetInt() == 4);
  const std::string text = str(d["choices"][0]["text"]);

  auto streamed = client.Post("/v1/completions", R"({"model": "toy", "prompt": [10, 20, 30, 40], "max_tokens": 6,
                                                    "temperature": 0, "stream": true})",
                              "application/json");
  REQUIRE(streamed);
  REQUIRE(streamed->status == 200);
  SseStream sse = parse_sse(streamed->body);
  CHECK(sse.well_formed);
  CHECK(sse.done);
  std::string joined;
  for (const auto& e : sse.events) {
    CHECK(str(e["object"]) == "text_completion");
    joined += str(e["choices"][0]["text"]);
  }
  CHECK(joined == text);
  CHECK(last_finish_reason(sse) == str(d["choices"][0]["finish_reason"]));

  // A text prompt: the toy's tokenizer is one id per byte, plus <bos>.
  auto text_prompt = client.Post("/v1/completions", R"({"model": "toy", "prompt": "abcdef", "max_tokens": 3})",
                                 "application/json");
  REQUIRE(text_prompt);
  REQUIRE(text_prompt->status == 200);
  const int prompt_tokens = parse_json(text_prompt->body)["usage"]["prompt_tokens"].GetInt();
  CHECK((prompt_tokens == 6 || prompt_tokens == 7));
}

TEST_CASE("stop strings end the answer before the stop text", "[server][http]") {
  ToyServer s;
  auto client = s.client();
  const std::string body = R"({"model": "toy", "prompt": [50, 60, 70], "max_tokens": 120, "temperature": 0)";
  auto full = client.Post("/v1/completions", body + "}", "application/json");
  REQUIRE(full);
  REQUIRE(full->status == 200);
  const std::string text = str(parse_json(full->body)["choices"][0]["text"]);
  REQUIRE(text.size() >= 12);
  // Two printable ASCII characters from the middle of the greedy output (the toy's bytes are
  // random, so a blind cut could split a UTF-8 character).
  std::string stop;
  for (size_t i = 4; i + 1 < text.size() && stop.empty(); ++i) {
    auto plain = [](char ch) { return ch > 0x20 && ch < 0x7f; };
    if (plain(text[i]) && plain(text[i + 1])) stop = text.substr(i, 2);
  }
  INFO(text);
  REQUIRE_FALSE(stop.empty());
  rapidjson::StringBuffer escaped;
  rapidjson::Writer<rapidjson::StringBuffer> w(escaped);
  w.String(stop.data(), static_cast<rapidjson::SizeType>(stop.size()));
  for (bool stream : {false, true}) {
    auto res = client.Post("/v1/completions",
                           body + fmt::format(R"(, "stop": [{}], "stream": {}}})", escaped.GetString(), stream),
                           "application/json");
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
    std::string got;
    std::string reason;
    if (stream) {
      SseStream sse = parse_sse(res->body);
      CHECK(sse.done);
      for (const auto& e : sse.events) got += str(e["choices"][0]["text"]);
      reason = last_finish_reason(sse);
    } else {
      auto d = parse_json(res->body);
      got = str(d["choices"][0]["text"]);
      reason = str(d["choices"][0]["finish_reason"]);
    }
    CHECK(got == text.substr(0, text.find(stop)));
    CHECK(reason == "stop");
  }
}

TEST_CASE("every bad request is a 4xx with an OpenAI error, and the server keeps serving", "[server][http][bad]") {
  ToyServer s;
  auto client = s.client();
  const std::string msgs = R"("messages": [{"role": "user", "content": "x"}])";
  struct Case {
    std::string path;
    std::string body;
    int status;
  };
  const std::vector<Case> cases = {
      {"/v1/chat/completions", R"({"model": "toy", )" + msgs, 400},               // malformed JSON
      {"/v1/chat/completions", "not json at all", 400},
      {"/v1/chat/completions", "", 400},                                            // empty body
      {"/v1/chat/completions", R"({"model": "toy", "messages": "hi"})", 400},        // wrong type
      {"/v1/chat/completions", R"({"model": "toy", )" + msgs + R"(, "temperature": "hot"})", 400},
      {"/v1/chat/completions", R"({"model": "nope", )" + msgs + "}", 404},          // unknown model
      {"/v1/chat/completions", R"({"model": "toy", "messages": []})", 400},         // empty messages
      {"/v1/chat/completions", R"({"model": "toy", )" + msgs + R"(, "temperature": 9})", 400},  // out of range
      {"/v1/chat/completions", R"({"model": "toy", )" + msgs + R"(, "top_p": -1})", 400},
      {"/v1/chat/completions", R"({"model": "toy", )" + msgs + R"(, "max_tokens": 100000})", 400},
      {"/v1/chat/completions", R"({"model": "toy", )" + msgs + R"(, "n": 3})", 400},
      {"/v1/chat/completions", R"({"model": "toy", )" + msgs + R"(, "stream": 1})", 400},
      {"/v1/chat/completions",  // a prompt longer than the context (256)
       R"({"model": "toy", "messages": [{"role": "user", "content": ")" + std::string(400, 'a') + R"("}]})", 400},
      {"/v1/completions", R"({"model": "toy", "prompt": [1, 2, 99999]})", 400},      // id outside the vocabulary
      {"/v1/completions", R"({"model": "toy", "prompt": ""})", 400},               // nothing to evaluate? (<bos> only is fine)
      {"/v1/completions", R"({"model": "toy"})", 400},
      {"/v1/completions", R"({"model": "toy", "prompt": "x", "stop": {"a": 1}})", 400},
      {"/v1/nothing", "{}", 404},
  };
  for (const Case& c : cases) {
    INFO(c.path << " " << c.body.substr(0, 200));
    auto res = client.Post(c.path, c.body, "application/json");
    if (c.body == R"({"model": "toy", "prompt": ""})") {
      // "" tokenizes to <bos> alone with the toy: a valid one-token prompt.
      REQUIRE(res);
      CHECK((res->status == 200 || res->status == 400));
      continue;
    }
    check_error_shape(res, c.status);
  }
  // Oversized bodies: with Content-Length and chunked.
  const std::string huge = R"({"model": "toy", "pad": ")" + std::string(100 * 1024, 'x') + R"(", )" + msgs + "}";
  check_error_shape(client.Post("/v1/chat/completions", huge, "application/json"), 413);
  {
    auto chunked = s.client();
    size_t sent = 0;
    auto res = chunked.Post(
        "/v1/chat/completions",
        [&](size_t, httplib::DataSink& sink) {
          if (sent < huge.size()) {
            const size_t n = std::min<size_t>(8192, huge.size() - sent);
            sink.write(huge.data() + sent, n);
            sent += n;
          } else {
            sink.done();
          }
          return true;
        },
        "application/json");
    check_error_shape(res, 413);
  }
  // GET on a POST route, unknown paths: 404 with a JSON error.
  check_error_shape(client.Get("/v1/chat/completions"), 404);

  // Still healthy, still answering.
  auto health = client.Get("/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  auto ok = client.Post("/v1/chat/completions", chat_body(), "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(s.server().models().acquire("toy")->in_flight() == 1);  // only this handle
}

TEST_CASE("API key and admin key", "[server][http][auth]") {
  ServerOptions options = test_options();
  options.api_key = "sk-user";
  options.admin_key = "sk-admin";
  ToyServer s(options);
  auto client = s.client();
  const httplib::Headers user{{"Authorization", "Bearer sk-user"}};
  const httplib::Headers admin{{"Authorization", "Bearer sk-admin"}};
  const httplib::Headers wrong{{"Authorization", "Bearer sk-usex"}};

  check_error_shape(client.Get("/v1/models"), 401);
  check_error_shape(client.Get("/v1/models", wrong), 401);
  check_error_shape(client.Get("/health", httplib::Headers{{"Authorization", "sk-user"}}), 401);  // no "Bearer "
  check_error_shape(client.Post("/v1/chat/completions", chat_body(), "application/json"), 401);
  auto models = client.Get("/v1/models", user);
  REQUIRE(models);
  CHECK(models->status == 200);
  auto chat = client.Post("/v1/chat/completions", user, chat_body(), "application/json");
  REQUIRE(chat);
  CHECK(chat->status == 200);
  check_error_shape(client.Get("/admin/models", user), 401);  // the API key does not open admin
  auto listed = client.Get("/admin/models", admin);
  REQUIRE(listed);
  CHECK(listed->status == 200);
  auto health = client.Get("/health", user);
  REQUIRE(health);
  CHECK(health->status == 200);
}

TEST_CASE("without an admin key the API key protects the admin endpoints too", "[server][http][auth]") {
  ServerOptions options = test_options();
  options.api_key = "sk-only";
  ToyServer s(options);
  auto client = s.client();
  check_error_shape(client.Get("/admin/models"), 401);
  auto listed = client.Get("/admin/models", httplib::Headers{{"Authorization", "Bearer sk-only"}});
  REQUIRE(listed);
  CHECK(listed->status == 200);
}

TEST_CASE("models, health, readiness, metrics", "[server][http]") {
  TempDir dir;
  RunningServer running(test_options(), ServedModelsOptions{only_dirs({kToy100}), {}, 0, 2});
  running.start();
  auto client = running.client();
  auto ready = client.Get("/ready");
  REQUIRE(ready);
  CHECK(ready->status == 503);  // no model yet
  CHECK(client.Get("/health")->status == 200);
  running.server->models().load("toy", make_toy_model(dir.path() / "toy"));
  CHECK(client.Get("/ready")->status == 200);

  auto models = client.Get("/v1/models");
  REQUIRE(models);
  auto d = parse_json(models->body);
  CHECK(str(d["object"]) == "list");
  REQUIRE(d["data"].Size() == 1);
  CHECK(str(d["data"][0]["id"]) == "toy");
  CHECK(str(d["data"][0]["object"]) == "model");
  CHECK(d["data"][0]["max_model_len"].GetInt() == 256);
  CHECK(client.Get("/v1/models/toy")->status == 200);
  check_error_shape(client.Get("/v1/models/other"), 404);

  REQUIRE(client.Post("/v1/chat/completions", chat_body(), "application/json")->status == 200);
  REQUIRE(client.Post("/v1/chat/completions", chat_body("\"stream\": true"), "application/json")->status == 200);
  client.Post("/v1/chat/completions", "{", "application/json");
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->get_header_value("Content-Type").rfind("text/plain", 0) == 0);
  const std::string& m = metrics->body;
  CHECK(m.find(R"(pio_requests_total{endpoint="/v1/chat/completions",status="200"} 2)") != std::string::npos);
  CHECK(m.find(R"(pio_requests_total{endpoint="/v1/chat/completions",status="400"} 1)") != std::string::npos);
  CHECK(m.find("pio_time_to_first_token_seconds_count 2") != std::string::npos);
  CHECK(m.find("pio_models_loaded 1") != std::string::npos);
  CHECK(m.find(R"(pio_model_info{name="toy",plugin="toy",version="1.0.0")") != std::string::npos);
  CHECK(m.find("pio_requests_active 0") != std::string::npos);
  CHECK(m.find("pio_process_resident_memory_bytes ") != std::string::npos);
}

TEST_CASE("admin API: load, list, swap, unload, and its errors", "[server][http][admin]") {
  ToyServer s;
  auto client = s.client();
  const fs::path second = make_toy_model(s.dir.path() / "second");
  const std::string second_path = second.string();

  auto load = client.Post("/admin/models/load",
                          fmt::format(R"({{"name": "toy2", "path": "{}", "options": {{"context_length": 128}}}})",
                                      second_path),
                          "application/json");
  REQUIRE(load);
  INFO(load->body);
  REQUIRE(load->status == 200);
  auto loaded = parse_json(load->body);
  CHECK(str(loaded["status"]) == "loaded");
  CHECK(str(loaded["model"]["name"]) == "toy2");
  CHECK(str(loaded["model"]["plugin"]) == "toy");
  CHECK(str(loaded["model"]["plugin_version"]) == "1.0.0");
  CHECK(loaded["model"]["context_length"].GetInt() == 128);  // the load options reached the plugin

  auto list = parse_json(client.Get("/admin/models")->body);
  REQUIRE(list["models"].Size() == 2);
  CHECK(str(list["models"][0]["name"]) == "toy");
  CHECK(str(list["models"][1]["name"]) == "toy2");
  for (const auto& m : list["models"].GetArray()) {
    CHECK(m["path"].IsString());
    CHECK(m["plugin"].IsString());
    CHECK(m["plugin_version"].IsString());
    CHECK(m["memory_bytes"].IsInt64());
  }
  auto chat2 = client.Post("/v1/chat/completions",
                           R"({"model": "toy2", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3})",
                           "application/json");
  REQUIRE(chat2);
  CHECK(chat2->status == 200);

  // Errors leave everything serving.
  check_error_shape(client.Post("/admin/models/load", fmt::format(R"({{"name": "toy2", "path": "{}"}})", second_path),
                                "application/json"),
                    409);
  check_error_shape(client.Post("/admin/models/load", R"({"name": "x", "path": "/nonexistent/dir"})", "application/json"),
                    400);
  const fs::path unserved = s.dir.path() / "unserved";
  write_file(unserved / "config.json", R"({"architectures": ["NobodyForCausalLM"], "model_type": "nobody"})");
  check_error_shape(client.Post("/admin/models/load",
                                fmt::format(R"({{"name": "x", "path": "{}"}})", unserved.string()), "application/json"),
                    400);
  check_error_shape(client.Post("/admin/models/load", R"({"path": "/tmp"})", "application/json"), 400);
  check_error_shape(client.Post("/admin/models/load", R"({"name": 3, "path": "/tmp"})", "application/json"), 400);
  check_error_shape(client.Post("/admin/models/load", "{oops", "application/json"), 400);
  check_error_shape(client.Post("/admin/models/swap", fmt::format(R"({{"name": "ghost", "path": "{}"}})", second_path),
                                "application/json"),
                    404);
  check_error_shape(client.Post("/admin/models/swap", R"({"name": "toy", "path": "/nonexistent/dir"})",
                                "application/json"),
                    400);
  check_error_shape(client.Post("/admin/models/swap",
                                fmt::format(R"({{"name": "toy", "path": "{}"}})", unserved.string()), "application/json"),
                    400);
  check_error_shape(client.Post("/admin/models/unload", R"({"name": "ghost"})", "application/json"), 404);
  CHECK(client.Post("/v1/chat/completions", chat_body(), "application/json")->status == 200);
  CHECK(str(parse_json(client.Get("/admin/models")->body)["models"][0]["instance"]).find("-m1") != std::string::npos);

  // Swap: a new instance under the same name.
  auto swap = client.Post("/admin/models/swap", fmt::format(R"({{"name": "toy", "path": "{}"}})", second_path),
                          "application/json");
  REQUIRE(swap);
  INFO(swap->body);
  REQUIRE(swap->status == 200);
  auto swapped = parse_json(swap->body);
  CHECK(str(swapped["status"]) == "swapped");
  CHECK(str(swapped["model"]["path"]) == str(loaded["model"]["path"]));
  CHECK(str(swapped["previous"]["instance"]) != str(swapped["model"]["instance"]));
  auto after = client.Post("/v1/chat/completions", chat_body(), "application/json");
  REQUIRE(after);
  CHECK(str(parse_json(after->body)["system_fingerprint"]) == str(swapped["model"]["instance"]));

  // Unload: the name is gone.
  auto unload = client.Post("/admin/models/unload", R"({"name": "toy2"})", "application/json");
  REQUIRE(unload);
  CHECK(unload->status == 200);
  CHECK(str(parse_json(unload->body)["status"]) == "unloaded");
  check_error_shape(client.Post("/v1/chat/completions",
                                R"({"model": "toy2", "messages": [{"role": "user", "content": "hi"}]})",
                                "application/json"),
                    404);
  CHECK(parse_json(client.Get("/admin/models")->body)["models"].Size() == 1);
}

TEST_CASE("a full queue answers 503 and the server recovers", "[server][http][queue]") {
  ServerOptions options = test_options();
  options.max_concurrency = 1;
  options.max_queue = 0;
  ToyServer s(options, /*eval_delay_ms=*/20);
  // One long streaming generation holds the only slot.
  RawClient holder(s.running.port);
  holder.post_json("/v1/completions", R"({"model": "toy", "prompt": [5, 6], "max_tokens": 400, "temperature": 0, "stream": true})");
  holder.read_until("data: ");
  REQUIRE(s.server().admission().active() == 1);

  auto client = s.client();
  auto busy = client.Post("/v1/chat/completions", chat_body(), "application/json");
  check_error_shape(busy, 503);
  CHECK(str(parse_json(busy->body)["error"]["code"]) == "server_overloaded");
  CHECK(busy->get_header_value("Retry-After") == "1");
  // Health and admin are not behind the generation queue.
  CHECK(client.Get("/health")->status == 200);
  CHECK(client.Get("/admin/models")->status == 200);

  holder.hang_up();  // frees the slot (the generation is cancelled)
  REQUIRE(eventually([&] { return s.server().admission().active() == 0; }));
  auto ok = client.Post("/v1/chat/completions", chat_body(), "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(s.server().metrics().render({}).find(R"(pio_requests_rejected_total{reason="queue_full"} 1)") !=
        std::string::npos);
}

TEST_CASE("a client that hangs up mid-stream stops its generation and frees its session", "[server][http][cancel]") {
  ToyServer s(test_options(), /*eval_delay_ms=*/10);
  InstanceHandle toy = s.server().models().acquire("toy");
  {
    RawClient client(s.running.port);
    client.post_json("/v1/chat/completions", chat_body(R"("stream": true)", "Hello there", 500));
    const std::string got = client.read_until("\"content\":\"");  // the role chunk and some text
    CHECK(got.find("HTTP/1.1 200") == 0);
    REQUIRE(eventually([&] { return toy->in_flight() == 2; }));  // this handle + the request
  }  // hang up
  REQUIRE(eventually([&] { return toy->in_flight() == 1; }));
  CHECK(toy->idle_sessions() == 1);  // the session went back to the pool
  const std::string metrics = s.server().metrics().render({});
  CHECK(metrics.find("pio_requests_cancelled_total 1") != std::string::npos);
  CHECK(metrics.find("pio_completion_tokens_total 500") == std::string::npos);
  // The pooled session serves the next request.
  auto res = s.client().Post("/v1/chat/completions", chat_body(), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
}

TEST_CASE("concurrent requests all complete", "[server][http][concurrency]") {
  ToyServer s(test_options(), /*eval_delay_ms=*/1);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      auto client = s.client();
      for (int i = 0; i < 3; ++i) {
        auto res = client.Post("/v1/chat/completions",
                               chat_body(t % 2 ? R"("stream": true)" : "", fmt::format("request {} {}", t, i)),
                               "application/json");
        if (res && res->status == 200 && (t % 2 == 0 || parse_sse(res->body).done)) {
          ++ok;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 18);
  CHECK(failed == 0);
  CHECK(s.server().models().acquire("toy")->idle_sessions() <= 2);
}
