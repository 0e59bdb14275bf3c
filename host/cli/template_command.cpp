// `pio template --model DIR`: JSON lines {"messages": [...], "tools": [...],
// "add_generation_prompt": true, "enable_thinking": false, ...} on stdin; for each, a JSON line
// {"text": "<rendered prompt>"} or {"error": "..."} on stdout. Every key but "messages" is passed
// to the template as a variable (through the plugin's render_chat_template options).
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

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  value.Accept(w);
  return buffer.GetString();
}

int run_template(const ModelFlags& flags, const GlobalOptions& global) {
  std::shared_ptr<host::Model> model = load_model(flags, global);
  answer_json_lines(std::cin, [&](rapidjson::Document& doc, JsonLineWriter& w) {
    const rapidjson::Value& request = doc;  // const iterators: unambiguous == under C++20 clang
    auto messages = request.FindMember("messages");
    if (messages == request.MemberEnd() || !messages->value.IsArray())
      throw_error(ErrorCode::kBadFormat, "missing array \"messages\"");
    const std::string messages_json = to_json(messages->value);
    doc.RemoveMember("messages");
    const std::string text = model->render_chat_template(messages_json, to_json(doc));
    w.StartObject();
    w.Key("text");
    w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    w.EndObject();
  });
  return 0;  // per-line errors are reported in the output
}

}  // namespace

Command add_template_command(CLI::App& app, const GlobalOptions& global) {
  auto flags = std::make_shared<ModelFlags>();
  CLI::App* sub = app.add_subcommand("template", "Render chat-template requests (JSON lines on stdin) into prompt text");
  add_model_flags(sub, *flags);
  return {sub, [flags, &global] { return run_template(*flags, global); }};
}

}  // namespace pio::cli
