// Helpers of the loopback server tests: temporary model and plugin folders, an in-process
// Server on a free port, SSE parsing, and a raw socket for a client that hangs up mid-stream.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "pio/server/server.h"

namespace pio::server::test {

namespace fs = std::filesystem;

// A fresh folder under the system temp folder, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / fmt::format("pio-server-test-{}-{:x}", ::getpid(), rd());
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A toy model directory (tests/abi/toy_plugin): byte tokenizer, hash logits, optional delay
// per eval so that requests overlap.
inline fs::path make_toy_model(const fs::path& dir, int eval_delay_ms = 0, int context = 256) {
  write_file(dir / "config.json",
             fmt::format(R"({{"architectures": ["ToyForCausalLM"], "model_type": "toy", "vocab_size": 259,
                             "max_position_embeddings": {}, "eval_delay_ms": {}}})",
                         context, eval_delay_ms));
  return dir;
}

// Copies a plugin folder's files (library + manifest) into `to`, replacing what is there.
inline void install_plugin(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) {
    if (entry.is_regular_file()) fs::copy_file(entry.path(), to / entry.path().filename(), fs::copy_options::overwrite_existing);
  }
}

inline host::PluginSearchOptions only_dirs(std::vector<fs::path> dirs) {
  host::PluginSearchOptions s;
  s.extra_dirs = std::move(dirs);
  s.use_environment = false;
  s.use_default_dirs = false;
  return s;
}

inline ServerOptions test_options() {
  ServerOptions o;
  o.port = 0;
  o.max_concurrency = 4;
  o.max_queue = 8;
  o.max_body_bytes = 64 * 1024;
  o.max_tokens_limit = 512;
  o.io_timeout_seconds = 20;
  return o;
}

// An in-process server listening on a free loopback port.
struct RunningServer {
  std::unique_ptr<Server> server;
  int port = 0;

  RunningServer(ServerOptions options, ServedModelsOptions models)
      : server(std::make_unique<Server>(std::move(options), std::move(models))) {}
  void start() { port = server->start(); }
  ~RunningServer() { server->stop(); }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60);
    c.set_write_timeout(60);
    return c;
  }
};

inline rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  INFO(text);
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

inline std::string str(const rapidjson::Value& v) { return std::string(v.GetString(), v.GetStringLength()); }

// A parsed SSE body: the JSON events in order, whether it ended with [DONE], and whether every
// event was well formed ("data: <json>" followed by a blank line).
struct SseStream {
  std::vector<rapidjson::Document> events;
  bool done = false;
  bool well_formed = true;
  std::string problem;
};

inline SseStream parse_sse(const std::string& body) {
  SseStream s;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) {
      s.well_formed = false;
      s.problem = "trailing bytes without a blank line: " + body.substr(pos);
      break;
    }
    const std::string event = body.substr(pos, end - pos);
    pos = end + 2;
    if (event.rfind("data: ", 0) != 0) {
      s.well_formed = false;
      s.problem = "event without 'data: ': " + event;
      continue;
    }
    const std::string data = event.substr(6);
    if (s.done) {
      s.well_formed = false;
      s.problem = "event after [DONE]";
    }
    if (data == "[DONE]") {
      s.done = true;
      continue;
    }
    rapidjson::Document d;
    d.Parse(data.c_str());
    if (d.HasParseError() || !d.IsObject()) {
      s.well_formed = false;
      s.problem = "bad JSON: " + data;
      continue;
    }
    s.events.push_back(std::move(d));
  }
  return s;
}

// A client on a raw socket: sends one request and reads as much as it is asked to; hanging up
// is just destroying it.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  }
  ~RawClient() { hang_up(); }
  void hang_up() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void send_all(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      sent += static_cast<size_t>(n);
    }
  }
  void post_json(const std::string& path, const std::string& body) {
    send_all(fmt::format("POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         "Content-Length: {}\r\n\r\n{}",
                         path, body.size(), body));
  }
  // Reads until `needle` appeared in what was received (or the peer closed); returns it all.
  std::string read_until(const std::string& needle) {
    char buf[4096];
    while (received_.find(needle) == std::string::npos) {
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      received_.append(buf, static_cast<size_t>(n));
    }
    return received_;
  }

 private:
  int fd_ = -1;
  std::string received_;
};

// Polls `condition` every 5 ms for up to 30 s (a bound against hangs, not a timing check).
template <typename F>
bool eventually(F condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

}  // namespace pio::server::test
