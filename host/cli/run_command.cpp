// `pio run --model DIR --prompt TEXT [--system TEXT] [--max-new-tokens N] [--temperature T]
//  [--top-k K] [--top-p P] [--min-p P] [--seed S] [--think|--no-think] [--raw] [--tools FILE]`
//
// Applies the chat template (unless --raw), streams the answer to stdout, the reasoning of a
// thinking model to stderr, prints parsed tool calls as JSON lines after the answer, and ends with
// prompt and generation tokens/s on stderr. Ctrl-C stops the generation and still prints usage.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>

#include <fmt/format.h>
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

struct RunOptions {
  ModelFlags model;
  GenerationFlags generation;
  std::string prompt;
  bool raw = false;
};

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) { g_interrupted.store(true); }

std::string messages_json(const std::string& system, const std::string& user) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  if (!system.empty()) {
    w.StartObject();
    w.Key("role");
    w.String("system");
    w.Key("content");
    w.String(system.c_str(), static_cast<rapidjson::SizeType>(system.size()));
    w.EndObject();
  }
  w.StartObject();
  w.Key("role");
  w.String("user");
  w.Key("content");
  w.String(user.c_str(), static_cast<rapidjson::SizeType>(user.size()));
  w.EndObject();
  w.EndArray();
  return buffer.GetString();
}

int run(const RunOptions& options, const GlobalOptions& global) {
  const std::string tools_json = read_tools_file(options.generation);
  std::shared_ptr<host::Model> model = load_model(options.model, global);
  const ModelProfile profile = parse_model_profile(model->describe_json());

  std::string prompt_text;
  std::vector<int32_t> ids;
  if (options.raw) {
    if (!options.generation.system.empty())
      throw_error(ErrorCode::kInvalidArgument, "--system needs the chat template; drop --raw or put it in --prompt");
    prompt_text = options.prompt;
    ids = model->tokenize(prompt_text, /*add_special=*/true);
  } else {
    if (!profile.chat_template)
      throw_error(ErrorCode::kUnsupported, "{}: the model has no chat template; use --raw",
                  options.model.model_dir.string());
    prompt_text = render_chat_prompt(*model, messages_json(options.generation.system, options.prompt),
                                     options.generation.think, tools_json);
    ids = model->tokenize(prompt_text, /*add_special=*/false);
  }
  GenerationRequest request =
      make_request(profile, options.generation, std::move(ids), prompt_text, !options.raw, tools_json);
  request.cancelled = [] { return g_interrupted.load(); };

  const std::string session_options =
      options.model.context_length > 0 ? fmt::format("{{\"context_length\": {}}}", options.model.context_length) : "";
  SessionEvaluator evaluator(model->create_session(session_options),
                             options.model.context_length > 0 ? options.model.context_length : profile.context_length);

  const bool color = ::isatty(STDERR_FILENO) != 0;
  bool in_reasoning = false;
  auto on_event = [&](const GenerationEvent& e) {
    if (e.kind == GenerationEvent::Kind::kReasoning) {
      if (!in_reasoning && color) std::fputs("\033[2m", stderr);
      in_reasoning = true;
      std::fwrite(e.text.data(), 1, e.text.size(), stderr);
      std::fflush(stderr);
      return;
    }
    if (in_reasoning) {
      std::fputs(color ? "\033[0m\n\n" : "\n\n", stderr);
      std::fflush(stderr);
      in_reasoning = false;
    }
    if (e.kind == GenerationEvent::Kind::kContent) {
      std::fwrite(e.text.data(), 1, e.text.size(), stdout);
      std::fflush(stdout);
    }
  };

  auto previous = std::signal(SIGINT, on_sigint);
  GenerationResult result;
  try {
    result = generate(evaluator, request, on_event);
  } catch (...) {
    std::signal(SIGINT, previous);
    throw;
  }
  std::signal(SIGINT, previous);
  if (in_reasoning) std::fputs(color ? "\033[0m\n" : "\n", stderr);
  if (!result.content.empty() && result.content.back() != '\n') std::fputc('\n', stdout);
  for (const ToolCall& call : result.tool_calls) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("name");
    w.String(call.name.c_str(), static_cast<rapidjson::SizeType>(call.name.size()));
    w.Key("arguments");
    w.RawValue(call.arguments.data(), call.arguments.size(), rapidjson::kObjectType);
    w.EndObject();
    std::fprintf(stdout, "%s\n", buffer.GetString());
  }
  std::fflush(stdout);
  if (!global.quiet) {
    std::fprintf(stderr, "%s\n", usage_line(result).c_str());
    if (global.verbose > 0) std::fprintf(stderr, "seed: %llu\n", static_cast<unsigned long long>(result.seed));
  }
  return result.finish_reason == FinishReason::kCancelled ? 130 : 0;
}

}  // namespace

Command add_run_command(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* sub = app.add_subcommand("run", "Generate a reply to one prompt (chat template applied unless --raw)");
  add_model_flags(sub, options->model);
  sub->add_option("--prompt", options->prompt, "The user message (or the raw text with --raw)")->required();
  add_generation_flags(sub, options->generation);
  sub->add_flag("--raw", options->raw, "Feed the prompt as is: no chat template, no thinking split");
  return {sub, [options, &global] { return run(*options, global); }};
}

}  // namespace pio::cli
