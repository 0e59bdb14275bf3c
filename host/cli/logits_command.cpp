// `pio logits --model DIR --tokens 1,2,3 --out FILE.npy [--step]`: the float32 logits of every
// position, shape [n_tokens, vocab], as a NumPy .npy file. Without --step the tokens go through
// the model in one batch; with --step one at a time through the KV cache. Needs no tokenizer.
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.h"
#include "model_loading.h"
#include "pio/generation/npy_writer.h"
#include "pio/host/session.h"
#include "pio/sdk/error.h"

namespace pio::cli {
namespace {

struct LogitsOptions {
  ModelFlags model;
  std::string tokens;
  std::string out;
  bool step = false;
};

std::vector<pio_token> parse_token_list(const std::string& text) {
  std::vector<pio_token> ids;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string_view item(text.data() + pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    pio_token id = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || id < 0)
      throw_error(ErrorCode::kInvalidArgument, "--tokens: '{}' is not a token id (expected e.g. 1,2,3)", item);
    ids.push_back(id);
    pos = comma + 1;
  }
  return ids;
}

int run_logits(const LogitsOptions& options, const GlobalOptions& global) {
  const std::vector<pio_token> ids = parse_token_list(options.tokens);
  std::shared_ptr<host::Model> model = load_model(options.model, global);
  const size_t vocab = model->vocab_size();
  if (vocab == 0)
    throw_error(ErrorCode::kUnsupported, "{}: the plugin did not report vocab_size", options.model.model_dir.string());
  for (pio_token id : ids)
    if (static_cast<size_t>(id) >= vocab)
      throw_error(ErrorCode::kInvalidArgument, "--tokens: id {} is outside the vocabulary ({})", id, vocab);
  const std::string session_options =
      options.model.context_length > 0 ? fmt::format("{{\"context_length\": {}}}", options.model.context_length) : "";
  auto session = model->create_session(session_options);
  std::vector<float> logits(ids.size() * vocab);
  if (options.step) {
    for (size_t i = 0; i < ids.size(); ++i)
      session->eval_into(std::span(ids).subspan(i, 1), host::Logits::kLast,
                         std::span(logits).subspan(i * vocab, vocab));
  } else {
    session->eval_into(ids, host::Logits::kAll, logits);
  }
  const std::vector<int64_t> shape = {static_cast<int64_t>(ids.size()), static_cast<int64_t>(vocab)};
  write_npy_f32(options.out, shape, logits);
  if (!global.quiet)
    std::fprintf(stderr, "wrote %s: float32 [%zu, %zu] (%s)\n", options.out.c_str(), ids.size(), vocab,
                 options.step ? "one token at a time" : "one batch");
  return 0;
}

}  // namespace

Command add_logits_command(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<LogitsOptions>();
  CLI::App* sub = app.add_subcommand("logits", "Write the logits of a token sequence as a NumPy .npy file");
  add_model_flags(sub, options->model);
  sub->add_option("--tokens", options->tokens, "Comma-separated token ids, e.g. 1,2,3")->required();
  sub->add_option("--out", options->out, "Output .npy file (float32 [n_tokens, vocab])")->required();
  sub->add_flag("--step", options->step, "Feed the tokens one at a time through the KV cache instead of one batch");
  return {sub, [options, &global] { return run_logits(*options, global); }};
}

}  // namespace pio::cli
