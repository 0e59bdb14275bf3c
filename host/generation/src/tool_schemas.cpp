#include "pio/generation/tool_schemas.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "pio/sdk/error.h"

namespace pio {
namespace {

// The type a parameter schema names, or "" when it names none we can use.
std::string schema_type(const rapidjson::Value& schema, int depth = 0) {
  if (!schema.IsObject() || depth > 8) return {};
  auto type = schema.FindMember("type");
  if (type != schema.MemberEnd()) {
    if (type->value.IsString()) return type->value.GetString();
    if (type->value.IsArray()) {
      for (const auto& t : type->value.GetArray())
        if (t.IsString() && std::string_view(t.GetString()) != "null") return t.GetString();
    }
  }
  for (const char* key : {"anyOf", "oneOf"}) {
    auto branches = schema.FindMember(key);
    if (branches == schema.MemberEnd() || !branches->value.IsArray()) continue;
    for (const auto& branch : branches->value.GetArray()) {
      std::string t = schema_type(branch, depth + 1);
      if (!t.empty() && t != "null") return t;
    }
  }
  return {};
}

}  // namespace

ToolSchemas ToolSchemas::from_json(std::string_view tools_json) {
  rapidjson::Document doc;
  doc.Parse(tools_json.data(), tools_json.size());
  if (doc.HasParseError())
    throw_error(ErrorCode::kBadFormat, "tools: malformed JSON at offset {}: {}",
                doc.GetErrorOffset(), rapidjson::GetParseError_En(doc.GetParseError()));
  if (!doc.IsArray()) throw_error(ErrorCode::kBadFormat, "tools: expected a JSON array of tools");

  ToolSchemas schemas;
  size_t index = 0;
  for (const auto& tool : doc.GetArray()) {
    if (!tool.IsObject()) throw_error(ErrorCode::kBadFormat, "tools[{}]: expected an object", index);
    const rapidjson::Value* function = &tool;
    auto nested = tool.FindMember("function");
    if (nested != tool.MemberEnd()) {
      if (!nested->value.IsObject())
        throw_error(ErrorCode::kBadFormat, "tools[{}].function: expected an object", index);
      function = &nested->value;
    }
    auto name = function->FindMember("name");
    if (name == function->MemberEnd() || !name->value.IsString())
      throw_error(ErrorCode::kBadFormat, "tools[{}]: missing string function.name", index);
    auto& params = schemas.functions_[name->value.GetString()];
    auto parameters = function->FindMember("parameters");
    if (parameters != function->MemberEnd() && parameters->value.IsObject()) {
      auto properties = parameters->value.FindMember("properties");
      if (properties != parameters->value.MemberEnd() && properties->value.IsObject()) {
        for (const auto& property : properties->value.GetObject())
          params[property.name.GetString()] = schema_type(property.value);
      }
    }
    ++index;
  }
  return schemas;
}

std::string_view ToolSchemas::parameter_type(std::string_view function,
                                             std::string_view parameter) const {
  auto f = functions_.find(function);
  if (f == functions_.end()) return {};
  auto p = f->second.find(parameter);
  if (p == f->second.end()) return {};
  return p->second;
}

bool ToolSchemas::has_function(std::string_view function) const {
  return functions_.find(function) != functions_.end();
}

}  // namespace pio
