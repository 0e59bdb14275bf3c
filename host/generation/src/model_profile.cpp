#include "pio/generation/model_profile.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "pio/sdk/error.h"

namespace pio {
namespace {

using Value = rapidjson::Value;

[[noreturn]] void bad(std::string_view key, std::string_view expected) {
  throw_error(ErrorCode::kBadFormat, "model describe JSON: \"{}\" must be {}", key, expected);
}

const Value* member(const Value& object, const char* key) {
  auto it = object.FindMember(key);
  return it == object.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::optional<float> number(const Value& object, const char* key) {
  const Value* v = member(object, key);
  if (v == nullptr) return std::nullopt;
  if (!v->IsNumber()) bad(key, "a number");
  return static_cast<float>(v->GetDouble());
}

std::optional<int64_t> integer(const Value& object, const char* key) {
  const Value* v = member(object, key);
  if (v == nullptr) return std::nullopt;
  if (!v->IsInt64()) bad(key, "an integer");
  return v->GetInt64();
}

bool flag(const Value& object, const char* key) {
  const Value* v = member(object, key);
  if (v == nullptr) return false;
  if (!v->IsBool()) bad(key, "a boolean");
  return v->GetBool();
}

std::string text(const Value& object, const char* key) {
  const Value* v = member(object, key);
  if (v == nullptr) return {};
  if (!v->IsString()) bad(key, "a string");
  return v->GetString();
}

}  // namespace

ModelProfile parse_model_profile(std::string_view describe_json) {
  rapidjson::Document doc;
  doc.Parse(describe_json.data(), describe_json.size());
  if (doc.HasParseError())
    throw_error(ErrorCode::kBadFormat, "model describe JSON: malformed at offset {}: {}", doc.GetErrorOffset(),
                rapidjson::GetParseError_En(doc.GetParseError()));
  if (!doc.IsObject()) bad("(document)", "an object");

  ModelProfile profile;
  profile.architecture = text(doc, "architecture");
  profile.model_type = text(doc, "model_type");
  if (const Value* caps = member(doc, "capabilities")) {
    if (!caps->IsObject()) bad("capabilities", "an object");
    profile.thinking = flag(*caps, "thinking");
    profile.tools = flag(*caps, "tools");
  }
  profile.chat_template = flag(doc, "chat_template");
  if (auto n = integer(doc, "context_length"); n && *n > 0) profile.context_length = static_cast<size_t>(*n);
  if (auto n = integer(doc, "vocab_size"); n && *n > 0) profile.vocab_size = static_cast<size_t>(*n);
  if (const Value* special = member(doc, "special_tokens")) {
    if (!special->IsObject()) bad("special_tokens", "an object");
    if (const Value* eos = member(*special, "eos")) {
      if (eos->IsInt()) {
        profile.eos_ids.push_back(eos->GetInt());
      } else if (eos->IsArray()) {
        for (const Value& id : eos->GetArray()) {
          if (!id.IsInt()) bad("special_tokens.eos", "an array of token ids");
          profile.eos_ids.push_back(id.GetInt());
        }
      } else {
        bad("special_tokens.eos", "an array of token ids");
      }
    }
  }
  if (const Value* g = member(doc, "generation_defaults")) {
    if (!g->IsObject()) bad("generation_defaults", "an object");
    GenerationDefaults& d = profile.defaults;
    if (const Value* v = member(*g, "do_sample")) {
      if (!v->IsBool()) bad("generation_defaults.do_sample", "a boolean");
      d.do_sample = v->GetBool();
    }
    d.temperature = number(*g, "temperature");
    if (auto k = integer(*g, "top_k")) d.top_k = static_cast<int32_t>(*k);
    d.top_p = number(*g, "top_p");
    d.min_p = number(*g, "min_p");
    d.repetition_penalty = number(*g, "repetition_penalty");
    d.presence_penalty = number(*g, "presence_penalty");
    if (auto n = integer(*g, "max_new_tokens"); n && *n > 0) profile.max_new_tokens = static_cast<size_t>(*n);
  }
  return profile;
}

}  // namespace pio
