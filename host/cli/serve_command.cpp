// `pio serve [--model DIR] [--name NAME] [--host 127.0.0.1] [--port 8080] [options]`
//
// Runs the OpenAI-compatible HTTP server (host/server/, library pio_server) until SIGINT or
// SIGTERM. The model given with --model is served from the start under --name (default: the
// directory's name); more are loaded, swapped and unloaded through the admin API. Prints
// "pio serve: listening on http://HOST:PORT" on stdout once the port is bound (with --port 0 the
// port the system chose), so scripts can wait for it.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "command.h"
#include "model_loading.h"
#include "pio/sdk/error.h"
#include "pio/server/server.h"

namespace pio::cli {
namespace {

struct ServeOptions {
  ModelFlags model;  // --model is optional here
  std::string name;
  server::ServerOptions server;
  double queue_timeout_seconds = 60;
};

int serve(ServeOptions& o, const GlobalOptions& global) {
  o.server.queue_timeout = std::chrono::milliseconds(static_cast<int64_t>(o.queue_timeout_seconds * 1000));
  server::ServedModelsOptions models;
  models.search = global.search_options();
  // --threads/--device/--dtype/--load-options are the default load options of every model;
  // --context-length caps the sessions (KV caches) of every model.
  ModelFlags defaults = o.model;
  defaults.context_length = 0;
  models.load_options_json = load_options_json(defaults);
  models.context_length = o.model.context_length;
  models.idle_sessions = o.server.idle_sessions_per_model;

  // SIGINT/SIGTERM are taken by sigwait below; every thread started from here inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  server::Server srv(o.server, models);
  if (!o.model.model_dir.empty()) {
    std::string name = o.name;
    if (name.empty()) name = std::filesystem::absolute(o.model.model_dir).lexically_normal().filename().string();
    if (name.empty()) name = "default";
    srv.models().load(name, o.model.model_dir, {}, o.model.plugin);
  }
  const int port = srv.start();
  std::printf("pio serve: listening on http://%s:%d\n", o.server.host.c_str(), port);
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("signal {}: stopping", received);
  srv.stop();
  return 0;
}

}  // namespace

Command add_serve_command(CLI::App& app, const GlobalOptions& global) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* sub = app.add_subcommand("serve", "Run the OpenAI-compatible HTTP server (/v1/chat/completions, ...)");
  sub->add_option("--model", o->model.model_dir, "Model directory served from the start (optional)")
      ->check(CLI::ExistingDirectory);
  sub->add_option("--name", o->name, "Name clients use for --model (default: the directory's name)");
  sub->add_option("--plugin", o->model.plugin, "Use this plugin for --model instead of choosing one from config.json");
  sub->add_option("--host", o->server.host, "Address to bind (0.0.0.0 exposes the server to the network)")
      ->capture_default_str();
  sub->add_option("--port", o->server.port, "Port to bind; 0 = any free port (printed)")->capture_default_str();
  sub->add_option("--api-key", o->server.api_key,
                  "Require 'Authorization: Bearer KEY' on every endpoint (env PIO_API_KEY)")
      ->envname("PIO_API_KEY");
  sub->add_option("--admin-key", o->server.admin_key,
                  "Key of the /admin endpoints (default: --api-key) (env PIO_ADMIN_KEY)")
      ->envname("PIO_ADMIN_KEY");
  sub->add_option("--parallel", o->server.max_concurrency, "Generations running at once (one session each)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  sub->add_option("--queue", o->server.max_queue, "Requests waiting for a generation slot; beyond: 503")
      ->capture_default_str();
  sub->add_option("--queue-timeout", o->queue_timeout_seconds, "Seconds a request may wait for a slot; then 503")
      ->capture_default_str();
  sub->add_option("--http-threads", o->server.http_threads,
                  "HTTP worker threads (0 = parallel + queue + 4, so health and admin stay answered)")
      ->capture_default_str();
  sub->add_option("--max-body-bytes", o->server.max_body_bytes, "Largest request body; larger: 413")
      ->capture_default_str();
  sub->add_option("--max-tokens-limit", o->server.max_tokens_limit, "Largest max_tokens a request may ask for")
      ->capture_default_str();
  sub->add_option("--default-max-tokens", o->server.default_max_tokens,
                  "max_tokens of a request that gives none (0 = until the context is full)")
      ->capture_default_str();
  sub->add_option("--max-stop", o->server.max_stop_strings, "Most stop strings per request")->capture_default_str();
  sub->add_option("--idle-sessions", o->server.idle_sessions_per_model,
                  "Idle sessions (KV caches) kept per model for prompt-prefix reuse")
      ->capture_default_str();
  sub->add_option("--keep-alive", o->server.keep_alive_seconds, "HTTP keep-alive idle timeout in seconds")
      ->capture_default_str();
  sub->add_option("--io-timeout", o->server.io_timeout_seconds, "Socket read/write timeout in seconds")
      ->capture_default_str();
  sub->add_option("--threads", o->model.threads, "CPU threads per model (0 = the plugin's default)");
  sub->add_option("--context-length", o->model.context_length,
                  "Context (KV cache) per session in tokens (0 = the model's maximum)");
  sub->add_option("--device", o->model.device, "Device: auto, cpu, cuda, cuda:N");
  sub->add_option("--dtype", o->model.dtype, "Compute dtype: auto, f32, f16, bf16");
  sub->add_option("--load-options", o->model.load_options,
                  "JSON object passed to the plugin's model_load (default of admin loads too)");
  return {sub, [o, &global] { return serve(*o, global); }};
}

}  // namespace pio::cli
