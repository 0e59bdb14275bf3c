// `pio tokenize --model DIR [--no-add-special]`: JSON lines {"text": "..."} on stdin, JSON lines
// {"ids": [...]} on stdout, one per input line; a bad line gives {"error": "..."} and the command
// goes on (exit code 0; a model that fails to load exits 1). Special-token text inside the text is recognised (as `tokenizers` does); tokens the
// tokenizer adds around a sequence (a BOS) are added unless --no-add-special, as
// `tokenizer.encode(text)` does by default (Qwen adds none).
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "command.h"
#include "jsonl.h"
#include "model_loading.h"
#include "pio/sdk/error.h"

namespace pio::cli {
namespace {

struct TokenizeOptions {
  ModelFlags model;
  bool no_add_special = false;
};

int run_tokenize(const TokenizeOptions& options, const GlobalOptions& global) {
  std::shared_ptr<host::Model> model = load_model(options.model, global);
  answer_json_lines(std::cin, [&](rapidjson::Document& doc, JsonLineWriter& w) {
    const rapidjson::Value& request = doc;  // const iterators: unambiguous == under C++20 clang
    auto text = request.FindMember("text");
    if (text == request.MemberEnd() || !text->value.IsString())
      throw_error(ErrorCode::kBadFormat, "missing string \"text\"");
    const auto ids = model->tokenize(std::string_view(text->value.GetString(), text->value.GetStringLength()),
                                     !options.no_add_special);
    w.StartObject();
    w.Key("ids");
    w.StartArray();
    for (pio_token id : ids) w.Int(id);
    w.EndArray();
    w.EndObject();
  });
  return 0;  // per-line errors are reported in the output
}

}  // namespace

Command add_tokenize_command(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<TokenizeOptions>();
  CLI::App* sub = app.add_subcommand("tokenize", "Tokenize JSON lines {\"text\": ...} from stdin into {\"ids\": [...]}");
  add_model_flags(sub, options->model);
  sub->add_flag("--no-add-special", options->no_add_special, "Do not add the tokens the tokenizer adds around a text (BOS)");
  return {sub, [options, &global] { return run_tokenize(*options, global); }};
}

}  // namespace pio::cli
