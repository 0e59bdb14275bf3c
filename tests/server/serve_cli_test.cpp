// `pio serve` as a process: --help documents every option; the server starts on a free port,
// serves the --model it was given, and exits 0 on SIGTERM.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <regex>

#include "server_test_support.h"

extern char** environ;

using namespace pio::server::test;

namespace {

std::string run_capture(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

}  // namespace

TEST_CASE("pio serve --help documents every option", "[server][cli]") {
  const std::string help = run_capture(std::string(PIO_EXE) + " serve --help 2>&1");
  for (const char* option :
       {"--model", "--name", "--plugin", "--host", "--port", "--api-key", "--admin-key", "--parallel", "--queue",
        "--queue-timeout", "--http-threads", "--max-body-bytes", "--max-tokens-limit", "--default-max-tokens",
        "--max-stop", "--idle-sessions", "--keep-alive", "--io-timeout", "--threads", "--context-length", "--device",
        "--dtype", "--load-options"}) {
    INFO(option);
    CHECK(help.find(option) != std::string::npos);
  }
  CHECK(help.find("127.0.0.1") != std::string::npos);  // the default bind address is shown
}

TEST_CASE("pio serve serves its --model and stops on SIGTERM", "[server][cli]") {
  TempDir dir;
  const fs::path model = make_toy_model(dir.path() / "tiny-toy");
  int out_pipe[2];
  REQUIRE(::pipe(out_pipe) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  const std::string exe = PIO_EXE;
  const std::string plugin_dir = PIO_TOY_PLUGIN_DIR_100;
  const std::string model_dir = model.string();
  std::vector<std::string> args = {exe, "serve", "--port", "0", "--plugin-dir", plugin_dir, "--model", model_dir,
                                   "--quiet"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);

  std::string line;
  char c;
  while (::read(out_pipe[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(out_pipe[0]);
  std::smatch match;
  INFO(line);
  const bool listening = std::regex_search(line, match, std::regex(R"(listening on http://127\.0\.0\.1:(\d+))"));
  if (listening) {
    httplib::Client client("127.0.0.1", std::stoi(match[1]));
    client.set_read_timeout(30);
    auto health = client.Get("/health");
    REQUIRE(health);
    CHECK(health->status == 200);
    auto models = client.Get("/v1/models");
    REQUIRE(models);
    CHECK(models->body.find(R"("id":"tiny-toy")") != std::string::npos);  // --name defaults to the folder
    auto chat = client.Post("/v1/chat/completions",
                            R"({"model": "tiny-toy", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4})",
                            "application/json");
    REQUIRE(chat);
    CHECK(chat->status == 200);
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(listening);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
