// `pio chat --model DIR [generation flags]`: an interactive multi-turn chat on stdin/stdout.
//
// Every turn re-renders the whole conversation through the chat template and generates with the
// same session, so the KV cache of the common prefix is reused (only the new turn is evaluated).
// Lines are user messages as typed: "/think" and "/no_think" inside them reach the model (Qwen3
// soft switches). Commands: /exit or /quit (or end of input), /reset (new conversation), /help.
// Ctrl-C stops the current reply; at the prompt it exits.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "command.h"
#include "generation_flags.h"
#include "model_loading.h"
#include "pio/generation/generator.h"
#include "pio/generation/model_profile.h"
#include "pio/generation/session_evaluator.h"
#include "pio/host/session.h"
#include "pio/sdk/error.h"

namespace pio::cli {
namespace {

struct ChatOptions {
  ModelFlags model;
  GenerationFlags generation;
  bool no_stats = false;
};

std::atomic<bool> g_interrupted{false};

extern "C" void on_chat_sigint(int) { g_interrupted.store(true); }

// The conversation as a JSON array of messages.
class Conversation {
 public:
  explicit Conversation(const std::string& system) : system_(system) { reset(); }

  void reset() {
    doc_.SetArray();
    if (!system_.empty()) add("system", system_);
  }
  void add(const char* role, const std::string& content) {
    rapidjson::Value message(rapidjson::kObjectType);
    message.AddMember("role", rapidjson::Value(role, a()), a());
    message.AddMember("content", rapidjson::Value(content.c_str(), static_cast<rapidjson::SizeType>(content.size()), a()), a());
    doc_.PushBack(message, a());
  }
  void add_assistant(const GenerationResult& result) {
    add("assistant", result.content);
    rapidjson::Value& message = doc_[doc_.Size() - 1];
    if (!result.reasoning.empty())
      message.AddMember("reasoning_content",
                        rapidjson::Value(result.reasoning.c_str(), static_cast<rapidjson::SizeType>(result.reasoning.size()), a()),
                        a());
    if (!result.tool_calls.empty()) {
      rapidjson::Value calls(rapidjson::kArrayType);
      for (const ToolCall& call : result.tool_calls) {
        rapidjson::Document args;
        args.Parse(call.arguments.c_str());
        rapidjson::Value function(rapidjson::kObjectType);
        function.AddMember("name", rapidjson::Value(call.name.c_str(), a()), a());
        function.AddMember("arguments", rapidjson::Value(args, a()), a());
        rapidjson::Value entry(rapidjson::kObjectType);
        entry.AddMember("type", "function", a());
        entry.AddMember("function", function, a());
        calls.PushBack(entry, a());
      }
      message.AddMember("tool_calls", calls, a());
    }
  }
  void drop_last() { doc_.PopBack(); }
  std::string json() const {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    doc_.Accept(w);
    return buffer.GetString();
  }

 private:
  rapidjson::Document::AllocatorType& a() { return doc_.GetAllocator(); }
  std::string system_;
  rapidjson::Document doc_;
};

int run_chat(const ChatOptions& options, const GlobalOptions& global) {
  const std::string tools_json = read_tools_file(options.generation);
  std::shared_ptr<host::Model> model = load_model(options.model, global);
  const ModelProfile profile = parse_model_profile(model->describe_json());
  if (!profile.chat_template)
    throw_error(ErrorCode::kUnsupported, "{}: the model has no chat template", options.model.model_dir.string());
  const std::string session_options =
      options.model.context_length > 0 ? fmt::format("{{\"context_length\": {}}}", options.model.context_length) : "";
  SessionEvaluator evaluator(model->create_session(session_options),
                             options.model.context_length > 0 ? options.model.context_length : profile.context_length);

  const bool interactive = ::isatty(STDIN_FILENO) != 0;
  const bool color = ::isatty(STDOUT_FILENO) != 0;
  if (interactive)
    std::fprintf(stderr, "Chatting with %s (%s). /exit to quit, /reset to start over, /help for help.\n",
                 options.model.model_dir.string().c_str(), profile.architecture.c_str());
  Conversation conversation(options.generation.system);
  std::string line;
  int status = 0;
  while (true) {
    if (interactive) {
      std::fputs(color ? "\033[1m> \033[0m" : "> ", stdout);
      std::fflush(stdout);
    }
    g_interrupted.store(false);
    if (!std::getline(std::cin, line)) break;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      conversation.reset();
      std::fputs("(new conversation)\n", stderr);
      continue;
    }
    if (line == "/help") {
      std::fputs("/exit, /quit: leave  /reset: forget the conversation  /help: this text\n"
                 "Other lines are sent as user messages (\"/think\" and \"/no_think\" included).\n",
                 stderr);
      continue;
    }
    if (line.empty()) continue;

    conversation.add("user", line);
    try {
      const std::string prompt = render_chat_prompt(*model, conversation.json(), options.generation.think, tools_json);
      GenerationRequest request = make_request(profile, options.generation, model->tokenize(prompt, false), prompt,
                                               /*chat=*/true, tools_json);
      request.cancelled = [] { return g_interrupted.load(); };
      bool in_reasoning = false;
      auto previous = std::signal(SIGINT, on_chat_sigint);  // Ctrl-C ends the reply, not pio
      struct RestoreSignal {
        void (*handler)(int);
        ~RestoreSignal() { std::signal(SIGINT, handler); }
      } restore{previous};
      const GenerationResult result = generate(evaluator, request, [&](const GenerationEvent& e) {
        if (e.kind == GenerationEvent::Kind::kReasoning) {
          if (!in_reasoning) std::fputs(color ? "\033[2m" : "[thinking] ", stdout);
          in_reasoning = true;
        } else if (in_reasoning) {
          std::fputs(color ? "\033[0m\n\n" : "\n[/thinking]\n\n", stdout);
          in_reasoning = false;
        }
        if (e.kind != GenerationEvent::Kind::kToolCall) {
          std::fwrite(e.text.data(), 1, e.text.size(), stdout);
          std::fflush(stdout);
        }
      });
      if (in_reasoning) std::fputs(color ? "\033[0m" : "\n[/thinking]", stdout);
      std::fputc('\n', stdout);
      for (const ToolCall& call : result.tool_calls)
        std::fprintf(stdout, "[tool call] %s %s\n", call.name.c_str(), call.arguments.c_str());
      std::fflush(stdout);
      conversation.add_assistant(result);
      if (!options.no_stats && !global.quiet) std::fprintf(stderr, "(%s)\n", usage_line(result).c_str());
    } catch (const Error& e) {
      conversation.drop_last();  // the turn did not happen; the user may retry
      std::fprintf(stderr, "pio: error: %s\n", e.what());
      status = 1;
      if (e.code() != ErrorCode::kContextOverflow && e.code() != ErrorCode::kInvalidArgument) break;
    }
  }
  if (interactive) std::fputc('\n', stdout);
  return status;
}

}  // namespace

Command add_chat_command(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<ChatOptions>();
  CLI::App* sub = app.add_subcommand("chat", "Interactive multi-turn chat that reuses the KV cache across turns");
  add_model_flags(sub, options->model);
  add_generation_flags(sub, options->generation);
  sub->add_flag("--no-stats", options->no_stats, "Do not print tokens/s after each reply");
  return {sub, [options, &global] { return run_chat(*options, global); }};
}

}  // namespace pio::cli
