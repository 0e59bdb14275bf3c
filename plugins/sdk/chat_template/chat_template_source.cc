// Finding a model's chat template and special tokens in its Hugging Face files.
#include <fstream>
#include <sstream>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "pio/sdk/chat_template.h"
#include "pio/sdk/error.h"

namespace pio {

namespace {

constexpr const char* kSpecialTokenNames[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                              "pad_token", "cls_token", "mask_token"};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open", path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw_error(ErrorCode::kIo, "{}: read failed", path.string());
  return ss.str();
}

void parse_config(rapidjson::Document& doc, std::string_view text, std::string_view what) {
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    throw_error(ErrorCode::kBadFormat, "{}: not a JSON object ({} at offset {})", what,
                doc.HasParseError() ? rapidjson::GetParseError_En(doc.GetParseError()) : "wrong type",
                doc.GetErrorOffset());
  }
}

SpecialTokens special_tokens_of(const rapidjson::Value& doc) {
  SpecialTokens out;
  for (const char* name : kSpecialTokenNames) {
    auto it = doc.FindMember(name);
    if (it == doc.MemberEnd()) continue;
    const rapidjson::Value& v = it->value;
    if (v.IsString()) {
      out.emplace_back(name, std::string(v.GetString(), v.GetStringLength()));
    } else if (v.IsObject() && v.HasMember("content") && v["content"].IsString()) {
      out.emplace_back(name, std::string(v["content"].GetString(), v["content"].GetStringLength()));
    }
  }
  return out;
}

}  // namespace

ChatTemplateSource parse_tokenizer_config_template(std::string_view tokenizer_config_json, std::string_view name) {
  rapidjson::Document parsed;
  parse_config(parsed, tokenizer_config_json, "tokenizer_config.json");
  const rapidjson::Value& doc = parsed;  // const iterators: see chat_template.cc
  ChatTemplateSource out;
  out.special_tokens = special_tokens_of(doc);
  auto it = doc.FindMember("chat_template");
  if (it == doc.MemberEnd() || it->value.IsNull()) {
    throw_error(ErrorCode::kNotFound, "tokenizer_config.json: no \"chat_template\"");
  }
  const rapidjson::Value& t = it->value;
  if (t.IsString()) {
    out.source.assign(t.GetString(), t.GetStringLength());
    return out;
  }
  if (t.IsArray()) {
    for (const auto& entry : t.GetArray()) {
      if (!entry.IsObject() || !entry.HasMember("name") || !entry.HasMember("template") || !entry["name"].IsString() ||
          !entry["template"].IsString()) {
        throw_error(ErrorCode::kBadFormat, "tokenizer_config.json: chat_template list entries need string name and template");
      }
      if (std::string_view(entry["name"].GetString(), entry["name"].GetStringLength()) == name) {
        out.source.assign(entry["template"].GetString(), entry["template"].GetStringLength());
        return out;
      }
    }
    throw_error(ErrorCode::kNotFound, "tokenizer_config.json: no chat template named '{}'", name);
  }
  throw_error(ErrorCode::kBadFormat, "tokenizer_config.json: \"chat_template\" must be a string or a list");
}

ChatTemplateSource load_chat_template(const std::filesystem::path& model_dir) {
  const auto config_path = model_dir / "tokenizer_config.json";
  const auto jinja_path = model_dir / "chat_template.jinja";
  const auto json_path = model_dir / "chat_template.json";
  ChatTemplateSource out;
  rapidjson::Document config_doc;
  const rapidjson::Value& config = config_doc;
  bool have_config = std::filesystem::exists(config_path);
  if (have_config) {
    std::string text = read_file(config_path);
    parse_config(config_doc, text, config_path.string());
    out.special_tokens = special_tokens_of(config);
  }
  if (std::filesystem::exists(jinja_path)) {
    out.source = read_file(jinja_path);
    return out;
  }
  if (std::filesystem::exists(json_path)) {
    rapidjson::Document parsed;
    std::string text = read_file(json_path);
    parse_config(parsed, text, json_path.string());
    const rapidjson::Value& doc = parsed;
    auto it = doc.FindMember("chat_template");
    if (it == doc.MemberEnd() || !it->value.IsString()) {
      throw_error(ErrorCode::kBadFormat, "{}: \"chat_template\" must be a string", json_path.string());
    }
    out.source.assign(it->value.GetString(), it->value.GetStringLength());
    return out;
  }
  if (have_config) {
    auto it = config.FindMember("chat_template");
    if (it != config.MemberEnd() && !it->value.IsNull()) {
      std::string text = read_file(config_path);
      ChatTemplateSource parsed = parse_tokenizer_config_template(text);
      out.source = std::move(parsed.source);
      return out;
    }
  }
  throw_error(ErrorCode::kNotFound, "{}: no chat template (chat_template.jinja, chat_template.json or "
              "tokenizer_config.json \"chat_template\")", model_dir.string());
}

}  // namespace pio
