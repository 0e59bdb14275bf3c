// ServerOptions — every limit and switch of `pio serve` (each one is a CLI option; see
// host/cli/serve_command.cpp and host/server/README.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace pio::server {

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback unless the operator says otherwise
  int port = 8080;                 // 0: any free port (Server::start returns it)

  // Empty: no key. api_key protects every endpoint (Authorization: Bearer KEY); admin_key
  // protects /admin/* (when only api_key is set, it protects /admin/* too).
  std::string api_key;
  std::string admin_key;

  // Generations running at once (one model session each), over all models.
  size_t max_concurrency = 4;
  // Requests waiting for a generation slot beyond that; one more is answered 503.
  size_t max_queue = 16;
  // How long a queued request waits for a slot before it is answered 503.
  std::chrono::milliseconds queue_timeout{60000};
  // HTTP worker threads (connections served at once); 0: max_concurrency + max_queue + 4, so
  // that health, metrics and admin calls are answered while every slot is busy.
  size_t http_threads = 0;

  size_t max_body_bytes = 8u << 20;  // larger request bodies: 413
  size_t max_tokens_limit = 32768;   // largest max_tokens a request may ask for
  size_t default_max_tokens = 0;     // max_tokens when a request gives none; 0: until the context is full
  size_t max_stop_strings = 16;

  // Idle sessions (KV caches) kept per model for prompt-prefix reuse.
  size_t idle_sessions_per_model = 2;

  // Seconds; keep-alive idle timeout and socket read/write timeouts of the HTTP layer.
  int keep_alive_seconds = 5;
  int io_timeout_seconds = 30;
};

}  // namespace pio::server
