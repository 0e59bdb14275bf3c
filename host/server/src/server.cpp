#include "pio/server/server.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <ctime>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include "generation_service.h"
#include "json_writer.h"
#include "pio/sdk/error.h"
#include "pio/server/api_error.h"
#include "pio/server/openai_request.h"
#include "pio/server/openai_response.h"

namespace pio::server {
namespace {

using Clock = std::chrono::steady_clock;

void send_json(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), "application/json");
}

void send_error(httplib::Response& res, const ApiError& e) {
  if (e.status() == 503) res.set_header("Retry-After", "1");
  if (e.status() == 401) res.set_header("WWW-Authenticate", "Bearer");
  send_json(res, e.status(), error_json(e));
}

// Compares without an early exit, so response timing does not reveal how much of a key matched.
bool same_key(std::string_view given, std::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ expected[i % std::max<size_t>(1, expected.size())]);
  return diff == 0;
}

// The route label of a path for metrics (bounded set: unknown paths are "other").
std::string_view endpoint_label(const std::string& path) {
  static constexpr std::string_view kKnown[] = {"/health", "/ready", "/metrics", "/v1/models", "/v1/chat/completions",
                                                "/v1/completions", "/admin/models", "/admin/models/load",
                                                "/admin/models/unload", "/admin/models/swap"};
  for (std::string_view known : kKnown) {
    if (path == known) return known;
  }
  if (path.rfind("/v1/models/", 0) == 0) return "/v1/models/{id}";
  return "other";
}

void write_instance(JsonWriter& w, const ModelInstance& m) {
  const ModelInstance::Info& i = m.info();
  w.start_object();
  w.field("name", i.name);
  w.field("path", i.path.string());
  w.field("plugin", i.plugin);
  w.field("plugin_version", i.plugin_version);
  w.field("instance", m.fingerprint());
  w.field("architecture", m.profile().architecture);
  w.field("model_type", m.profile().model_type);
  w.field("context_length", static_cast<uint64_t>(m.context_length()));
  w.field("memory_bytes", i.memory_bytes);
  w.field("weights_bytes", i.weights_bytes);
  w.field("loaded_at", i.loaded_at);
  w.field("load_seconds", i.load_seconds);
  w.field("in_flight", static_cast<uint64_t>(m.in_flight()));
  w.field("idle_sessions", static_cast<uint64_t>(m.idle_sessions()));
  w.end_object();
}

// Admin bodies: {"name": N, "path": DIR, "options": {...}, "plugin": P}.
struct AdminBody {
  std::string name, path, options_json, plugin;
};

AdminBody parse_admin_body(const std::string& body, bool need_path) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject())
    throw invalid_request("the request body must be a JSON object", {}, "invalid_json");
  AdminBody out;
  auto string_field = [&](const char* key, std::string& into, bool required) {
    auto it = doc.FindMember(key);
    if (it == doc.MemberEnd() || it->value.IsNull()) {
      if (required) throw invalid_request(fmt::format("'{}' is required", key), key, "missing_required_parameter");
      return;
    }
    if (!it->value.IsString()) throw invalid_request(fmt::format("'{}' must be a string", key), key, "invalid_type");
    into.assign(it->value.GetString(), it->value.GetStringLength());
    if (required && into.empty()) throw invalid_request(fmt::format("'{}' is empty", key), key);
  };
  string_field("name", out.name, true);
  string_field("path", out.path, need_path);
  string_field("plugin", out.plugin, false);
  auto options = doc.FindMember("options");
  if (options != doc.MemberEnd() && !options->value.IsNull()) {
    if (!options->value.IsObject()) throw invalid_request("'options' must be an object", "options", "invalid_type");
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    options->value.Accept(writer);
    out.options_json.assign(buffer.GetString(), buffer.GetSize());
  }
  return out;
}

// A model that cannot be loaded is the caller's problem (bad directory, no plugin, bad
// checkpoint, bad options) unless the machine failed.
ApiError load_error(const pio::Error& e) {
  switch (e.code()) {
    case ErrorCode::kOutOfMemory:
    case ErrorCode::kDevice:
    case ErrorCode::kInternal:
      return ApiError(500, "server_error", e.what(), {}, "load_failed");
    default:
      return invalid_request(e.what(), "path", "load_failed");
  }
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, ServedModelsOptions m)
      : options(std::move(o)),
        models(std::move(m)),
        admission(options.max_concurrency, options.max_queue),
        limits{options.max_tokens_limit, options.max_stop_strings} {}

  ServerOptions options;
  ServedModels models;
  Admission admission;
  Metrics metrics;
  RequestLimits limits;
  httplib::Server http;
  std::thread listener;
  std::atomic<bool> stopping{false};
  std::atomic<bool> started{false};
  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool done = false;  // the listener returned

  void install_routes();
  bool authorised(const httplib::Request& req, httplib::Response& res) const;
  std::string read_body(const httplib::Response& res, const httplib::ContentReader& reader) const;
  // The most body bytes read for one request: 16x the limit (at least 1 MiB more), so that a
  // modestly oversized body gets a 413 answer; anything larger has its connection closed.
  size_t drain_limit_bytes() const {
    const size_t limit = options.max_body_bytes;
    return limit > (SIZE_MAX - (size_t{1} << 20)) / 16 ? SIZE_MAX : limit * 16 + (size_t{1} << 20);
  }
  void generation(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
                  ApiRequest::Kind kind);
  void admin(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
             std::string_view action);
  GaugeSnapshot gauges() const;
};

bool Server::Impl::authorised(const httplib::Request& req, httplib::Response& res) const {
  const bool admin_path = req.path.rfind("/admin", 0) == 0;
  const std::string& expected = admin_path && !options.admin_key.empty() ? options.admin_key : options.api_key;
  if (expected.empty()) return true;
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() > kBearer.size() && header.compare(0, kBearer.size(), kBearer) == 0 &&
      same_key(std::string_view(header).substr(kBearer.size()), expected)) {
    return true;
  }
  send_error(res, ApiError(401, "authentication_error",
                           admin_path ? "missing or invalid admin key (Authorization: Bearer KEY)"
                                      : "missing or invalid API key (Authorization: Bearer KEY)",
                           {}, "invalid_api_key"));
  return false;
}

std::string Server::Impl::read_body(const httplib::Response& res, const httplib::ContentReader& reader) const {
  std::string body;
  bool too_large = false;
  size_t received = 0;
  const bool ok = reader([&](const char* data, size_t n) {
    received += n;
    // Past the limit the rest is read and dropped (up to drain_limit_bytes()), so that a client
    // still sending its body receives the 413 instead of a reset connection.
    if (received > drain_limit_bytes()) return false;
    if (too_large || body.size() + n > options.max_body_bytes) {  // chunked bodies included
      too_large = true;
      body.clear();
      return true;
    }
    body.append(data, n);
    return true;
  });
  if (too_large || res.status == 413) {
    throw ApiError(413, "invalid_request_error",
                   fmt::format("the request body exceeds the server's limit of {} bytes", options.max_body_bytes), {},
                   "request_too_large");
  }
  if (!ok) throw invalid_request("the request body could not be read", {}, "invalid_body");
  return body;
}

void Server::Impl::generation(const httplib::Request&, httplib::Response& res, const httplib::ContentReader& reader,
                              ApiRequest::Kind kind) {
  const auto arrival = Clock::now();
  const std::string body = read_body(res, reader);
  ApiRequest api = kind == ApiRequest::Kind::kChat ? parse_chat_request(body, limits)
                                                   : parse_completion_request(body, limits);
  auto prepared = std::make_shared<PreparedGeneration>(prepare_generation(models, std::move(api), options, arrival));

  auto ticket = std::make_shared<Admission::Ticket>();
  switch (admission.enter(options.queue_timeout, *ticket)) {
    case Admission::Result::kAdmitted:
      break;
    case Admission::Result::kQueueFull:
      metrics.count_rejected("queue_full");
      throw ApiError(503, "server_error",
                     fmt::format("the server is busy: {} generations running and {} waiting; retry later",
                                 admission.max_active(), admission.max_queued()),
                     {}, "server_overloaded");
    case Admission::Result::kTimedOut:
      metrics.count_rejected("queue_timeout");
      throw ApiError(503, "server_error", "the server is busy: no generation slot became free in time", {},
                     "server_overloaded");
  }

  const bool chat = kind == ApiRequest::Kind::kChat;
  if (!prepared->api.stream) {
    GenerationResult result = run_generation(*prepared, metrics, {}, [this] { return stopping.load(); });
    ticket->release();
    send_json(res, 200, chat ? chat_completion_json(prepared->context, result)
                             : completion_json(prepared->context, result));
    return;
  }

  // Streaming: the generation runs inside the content provider, on this worker thread, after
  // the 200 and the headers went out. The job (model handle, slot) lives as long as the provider.
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream", [this, prepared, ticket, chat](size_t, httplib::DataSink& sink) {
        bool client_gone = false;
        auto write = [&](const std::string& text) {
          if (!client_gone && !sink.write(text.data(), text.size())) client_gone = true;
        };
        // A peer that closed its socket reads as not writable (httplib peeks the socket).
        auto cancelled = [&] {
          if (!client_gone && !sink.is_writable()) client_gone = true;
          return client_gone || stopping.load();
        };
        const bool include_usage = prepared->api.include_usage;
        ChatStream chat_stream(prepared->context, include_usage);
        CompletionStream text_stream(prepared->context, include_usage);
        size_t tool_calls = 0;
        auto on_event = [&](const GenerationEvent& e) {
          switch (e.kind) {
            case GenerationEvent::Kind::kContent:
              write(chat ? chat_stream.content_chunk(e.text) : text_stream.text_chunk(e.text));
              break;
            case GenerationEvent::Kind::kReasoning:
              write(chat ? chat_stream.reasoning_chunk(e.text) : text_stream.text_chunk(e.text));
              break;
            case GenerationEvent::Kind::kToolCall:
              if (chat && e.tool_call) write(chat_stream.tool_call_chunk(tool_calls++, random_id("call_"), *e.tool_call));
              break;
          }
        };
        if (chat) write(chat_stream.role_chunk());
        try {
          GenerationResult result = run_generation(*prepared, metrics, on_event, cancelled);
          write(chat ? chat_stream.finish_chunk(result.finish_reason) : text_stream.finish_chunk(result.finish_reason));
          if (include_usage)
            write(chat ? chat_stream.usage_chunk(result.usage) : text_stream.usage_chunk(result.usage));
        } catch (const ApiError& e) {
          write(sse_data(error_json(e)));  // the status is already 200: the error travels as an event
        } catch (const std::exception& e) {
          write(sse_data(error_json(ApiError(500, "server_error", e.what()))));
        }
        // Let go of the slot and the model before [DONE], so that a client that read the whole
        // stream may rely on both being released (a swapped-out model is freed here).
        ticket->release();
        prepared->instance = InstanceHandle();
        write(std::string(kSseDone));
        sink.done();
        return true;
      });
}

void Server::Impl::admin(const httplib::Request&, httplib::Response& res, const httplib::ContentReader& reader,
                         std::string_view action) {
  const AdminBody body = parse_admin_body(read_body(res, reader), action != "unload");
  JsonWriter w;
  w.start_object();
  if (action == "unload") {
    auto removed = models.unload(body.name);
    if (!removed)
      throw ApiError(404, "invalid_request_error", fmt::format("model '{}' is not loaded", body.name), "name",
                     "model_not_found");
    w.field("status", "unloaded");
    w.field("name", body.name);
    w.field("in_flight", static_cast<uint64_t>(removed->in_flight()));
  } else if (action == "load") {
    if (models.acquire(body.name))
      throw ApiError(409, "invalid_request_error",
                     fmt::format("model '{}' is already loaded (use /admin/models/swap to replace it)", body.name),
                     "name", "model_exists");
    std::shared_ptr<ModelInstance> loaded;
    try {
      loaded = models.load(body.name, body.path, body.options_json, body.plugin);
    } catch (const pio::Error& e) {
      throw load_error(e);
    }
    w.field("status", "loaded");
    w.key("model");
    write_instance(w, *loaded);
  } else {  // swap
    if (!models.acquire(body.name))
      throw ApiError(404, "invalid_request_error", fmt::format("model '{}' is not loaded; nothing to swap", body.name),
                     "name", "model_not_found");
    std::shared_ptr<ModelInstance> previous;
    try {
      previous = models.swap(body.name, body.path, body.options_json, body.plugin);
    } catch (const pio::Error& e) {
      throw load_error(e);
    }
    InstanceHandle current = models.acquire(body.name);
    w.field("status", "swapped");
    w.key("model");
    if (current) {
      write_instance(w, *current);
    } else {
      w.null();
    }
    w.key("previous");
    write_instance(w, *previous);
  }
  w.end_object();
  send_json(res, 200, w.take());
}

GaugeSnapshot Server::Impl::gauges() const {
  GaugeSnapshot g;
  g.active = admission.active();
  g.queued = admission.queued();
  for (const auto& m : models.list()) {
    g.models.push_back({m->info().name, m->info().plugin, m->info().plugin_version, m->info().path.string(),
                        m->info().memory_bytes});
  }
  g.resident_bytes = resident_memory_bytes();
  return g;
}

void Server::Impl::install_routes() {
  // Every route body may throw ApiError; this wrapper answers it.
  auto guarded = [](auto&& body) {
    return [body = std::forward<decltype(body)>(body)](const httplib::Request& req, httplib::Response& res) {
      try {
        body(req, res);
      } catch (const ApiError& e) {
        send_error(res, e);
      }
    };
  };
  auto guarded_reader = [](auto&& body) {
    return [body = std::forward<decltype(body)>(body)](const httplib::Request& req, httplib::Response& res,
                                                       const httplib::ContentReader& reader) {
      try {
        body(req, res, reader);
      } catch (const ApiError& e) {
        send_error(res, e);
      }
    };
  };

  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    return authorised(req, res) ? httplib::Server::HandlerResponse::Unhandled
                                : httplib::Server::HandlerResponse::Handled;
  });

  http.Get("/health", guarded([](const httplib::Request&, httplib::Response& res) {
             send_json(res, 200, R"({"status":"ok"})");
           }));
  http.Get("/ready", guarded([this](const httplib::Request&, httplib::Response& res) {
             const size_t n = models.size();
             send_json(res, n > 0 && !stopping ? 200 : 503,
                       fmt::format(R"({{"status":"{}","models":{}}})", n > 0 && !stopping ? "ready" : "not_ready", n));
           }));
  http.Get("/metrics", guarded([this](const httplib::Request&, httplib::Response& res) {
             res.set_content(metrics.render(gauges()), "text/plain; version=0.0.4; charset=utf-8");
           }));
  auto model_object = [](JsonWriter& w, const ModelInstance& m) {
    w.start_object();
    w.field("id", m.info().name);
    w.field("object", "model");
    w.field("created", m.info().loaded_at);
    w.field("owned_by", "pio");
    w.field("root", m.info().path.string());
    w.field("max_model_len", static_cast<uint64_t>(m.context_length()));
    w.end_object();
  };
  http.Get("/v1/models", guarded([this, model_object](const httplib::Request&, httplib::Response& res) {
             JsonWriter w;
             w.start_object();
             w.field("object", "list");
             w.key("data");
             w.start_array();
             for (const auto& m : models.list()) model_object(w, *m);
             w.end_array();
             w.end_object();
             send_json(res, 200, w.take());
           }));
  http.Get(R"(/v1/models/(.+))", guarded([this, model_object](const httplib::Request& req, httplib::Response& res) {
             const std::string name = req.matches[1];
             InstanceHandle m = models.acquire(name);
             if (!m)
               throw ApiError(404, "invalid_request_error", fmt::format("The model '{}' does not exist", name), "model",
                              "model_not_found");
             JsonWriter w;
             model_object(w, *m);
             send_json(res, 200, w.take());
           }));
  http.Post("/v1/chat/completions",
            guarded_reader([this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& r) {
              generation(req, res, r, ApiRequest::Kind::kChat);
            }));
  http.Post("/v1/completions",
            guarded_reader([this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& r) {
              generation(req, res, r, ApiRequest::Kind::kCompletion);
            }));
  http.Get("/admin/models", guarded([this](const httplib::Request&, httplib::Response& res) {
             JsonWriter w;
             w.start_object();
             w.key("models");
             w.start_array();
             for (const auto& m : models.list()) write_instance(w, *m);
             w.end_array();
             w.end_object();
             send_json(res, 200, w.take());
           }));
  for (std::string_view action : {"load", "unload", "swap"}) {
    http.Post(fmt::format("/admin/models/{}", action),
              guarded_reader([this, action](const httplib::Request& req, httplib::Response& res,
                                            const httplib::ContentReader& r) { admin(req, res, r, action); }));
  }

  // Errors httplib answers by itself (unknown route 404, bad request line 400, body over the
  // limit 413) get an OpenAI-style body too.
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string message;
    std::string code;
    switch (res.status) {
      case 404:
        message = fmt::format("no route {} {}", req.method, req.path);
        code = "not_found";
        break;
      case 413:
        message = "the request body is too large";
        code = "request_too_large";
        break;
      default:
        message = fmt::format("HTTP {}: the request could not be processed", res.status);
        break;
    }
    const std::string type = res.status == 404 ? "not_found_error" : "invalid_request_error";
    send_json(res, res.status, error_json(ApiError(res.status, type, message, {}, code)));
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string message = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
    }
    spdlog::error("request failed: {}", message);
    send_json(res, 500, error_json(ApiError(500, "server_error", message)));
  });
  // Counted just before the response is written (the logger runs after it, too late for a
  // client that reads /metrics right after its response).
  http.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    metrics.count_request(endpoint_label(req.path), res.status);
    spdlog::debug("{} {} -> {}", req.method, req.path, res.status);
  });
}

// --- Server ----------------------------------------------------------------------------------

Server::Server(ServerOptions options, ServedModelsOptions models)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(models))) {
  Impl& i = *impl_;
  const size_t threads =
      i.options.http_threads > 0 ? i.options.http_threads : i.options.max_concurrency + i.options.max_queue + 4;
  i.http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // httplib refuses larger bodies before reading them; up to this cap read_body drains them.
  i.http.set_payload_max_length(i.drain_limit_bytes());
  i.http.set_keep_alive_timeout(i.options.keep_alive_seconds);
  i.http.set_keep_alive_max_count(1000);
  i.http.set_read_timeout(i.options.io_timeout_seconds);
  i.http.set_write_timeout(i.options.io_timeout_seconds);
  i.http.set_tcp_nodelay(true);  // stream chunks leave at once (time to first token)
  i.install_routes();
}

Server::~Server() { stop(); }

ServedModels& Server::models() { return impl_->models; }
Metrics& Server::metrics() { return impl_->metrics; }
const Admission& Server::admission() const { return impl_->admission; }
const ServerOptions& Server::options() const { return impl_->options; }

int Server::start() {
  Impl& i = *impl_;
  int port = i.options.port;
  if (port == 0) {
    port = i.http.bind_to_any_port(i.options.host);
    if (port < 0) throw_error(ErrorCode::kIo, "cannot bind {} (any port)", i.options.host);
  } else if (!i.http.bind_to_port(i.options.host, port)) {
    throw_error(ErrorCode::kIo, "cannot bind {}:{} (in use, or not an address of this machine)", i.options.host, port);
  }
  i.started = true;
  i.listener = std::thread([&i] {
    i.http.listen_after_bind();
    std::lock_guard lock(i.done_mutex);
    i.done = true;
    i.done_cv.notify_all();
  });
  return port;
}

void Server::wait() {
  Impl& i = *impl_;
  if (!i.started) return;
  std::unique_lock lock(i.done_mutex);
  i.done_cv.wait(lock, [&i] { return i.done; });
}

void Server::stop() {
  Impl& i = *impl_;
  i.stopping = true;
  i.admission.close();  // queued requests give up now
  if (i.started) i.http.stop();
  if (i.listener.joinable()) i.listener.join();
}

}  // namespace pio::server
