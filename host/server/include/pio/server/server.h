// Server — the OpenAI-compatible HTTP server of `pio serve` (cpp-httplib underneath).
//
// Endpoints (host/server/README.md has the exact forms):
//   GET  /health                 liveness: 200 {"status":"ok"} while the process serves
//   GET  /ready                  readiness: 200 when at least one model is served, else 503
//   GET  /metrics                Prometheus text
//   GET  /v1/models, GET /v1/models/{id}
//   POST /v1/chat/completions, POST /v1/completions   (stream or not)
//   GET  /admin/models; POST /admin/models/load | unload | swap
//
// Threads: cpp-httplib's worker pool (ServerOptions::http_threads) serves connections; a
// generation runs on the worker thread of its request, after Admission granted it a slot.
//
// Usage:
//   pio::server::Server server(options, {.search = plugin_search});
//   server.models().load("qwen", "/models/Qwen3-0.6B");
//   int port = server.start();   // listening on a background thread
//   ...
//   server.stop();               // or wait() until another thread calls stop()
//
// Thread-safety: start/stop/wait from one controlling thread; models(), metrics() and
// admission() may be used from any thread at any time.
#pragma once

#include <memory>

#include "pio/server/admission.h"
#include "pio/server/metrics.h"
#include "pio/server/served_models.h"
#include "pio/server/server_options.h"

namespace pio::server {

class Server {
 public:
  Server(ServerOptions options, ServedModelsOptions models);
  ~Server();  // stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  ServedModels& models();
  Metrics& metrics();
  const Admission& admission() const;
  const ServerOptions& options() const;

  // Binds options().host:port (port 0: any free port) and serves on a background thread.
  // Returns the bound port. Throws pio::Error kIo when the address cannot be bound.
  int start();
  // Blocks until the server stops (stop() from another thread or a signal handler's thread).
  void wait();
  // Stops accepting, ends running generations (their streams end early) and joins the threads.
  // Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pio::server
