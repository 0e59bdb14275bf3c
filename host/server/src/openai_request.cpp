#include "pio/server/openai_request.h"

#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "pio/generation/tool_schemas.h"
#include "pio/sdk/error.h"
#include "pio/server/api_error.h"

namespace pio::server {
namespace {

using rapidjson::Document;
using rapidjson::Value;

// Iterative parsing: a deeply nested body cannot exhaust the stack. Invalid UTF-8 is an error.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

const char* type_name(const Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a boolean";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: return "a string";
    case rapidjson::kNumberType: return "a number";
  }
  return "a value";
}

[[noreturn]] void wrong_type(std::string_view param, const char* expected, const Value& got) {
  throw invalid_request(fmt::format("'{}' must be {}, got {}", param, expected, type_name(got)), std::string(param),
                        "invalid_type");
}

std::string to_json(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Document parse_body(std::string_view body) {
  Document doc;
  doc.Parse<kParseFlags>(body.data(), body.size());
  if (doc.HasParseError()) {
    throw invalid_request(fmt::format("the request body is not valid JSON: {} (at byte {})",
                                      rapidjson::GetParseError_En(doc.GetParseError()), doc.GetErrorOffset()),
                          {}, "invalid_json");
  }
  if (!doc.IsObject()) wrong_type("body", "a JSON object", doc);
  return doc;
}

// The member `name` unless it is absent or null.
const Value* member(const Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

std::optional<double> number_field(const Value& object, const char* name) {
  const Value* v = member(object, name);
  if (!v) return std::nullopt;
  if (!v->IsNumber()) wrong_type(name, "a number", *v);
  return v->GetDouble();
}

std::optional<int64_t> integer_field(const Value& object, const char* name) {
  const Value* v = member(object, name);
  if (!v) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsUint64()) return static_cast<int64_t>(std::min<uint64_t>(v->GetUint64(), std::numeric_limits<int64_t>::max()));
  // 5.0 is accepted as 5 (JavaScript clients send integral doubles).
  if (v->IsDouble() && std::isfinite(v->GetDouble()) && std::floor(v->GetDouble()) == v->GetDouble() &&
      std::fabs(v->GetDouble()) < 9e18) {
    return static_cast<int64_t>(v->GetDouble());
  }
  wrong_type(name, "an integer", *v);
}

std::optional<bool> bool_field(const Value& object, const char* name) {
  const Value* v = member(object, name);
  if (!v) return std::nullopt;
  if (!v->IsBool()) wrong_type(name, "a boolean", *v);
  return v->GetBool();
}

float ranged(const char* name, double value, double lo, double hi, bool lo_open = false) {
  const bool below = lo_open ? !(value > lo) : !(value >= lo);
  if (!std::isfinite(value) || below || value > hi) {
    throw invalid_request(fmt::format("'{}' is {}; it must be in {}{}, {}]", name, value, lo_open ? "(" : "[", lo, hi),
                          name);
  }
  return static_cast<float>(value);
}

SamplingOverrides parse_sampling(const Value& body) {
  SamplingOverrides s;
  if (auto v = number_field(body, "temperature")) s.temperature = ranged("temperature", *v, 0.0, 2.0);
  if (auto v = number_field(body, "top_p")) s.top_p = ranged("top_p", *v, 0.0, 1.0, /*lo_open=*/true);
  if (auto v = integer_field(body, "top_k")) {
    if (*v < -1 || *v > std::numeric_limits<int32_t>::max())
      throw invalid_request(fmt::format("'top_k' is {}; it must be >= 0 (or -1 for no limit)", *v), "top_k");
    s.top_k = *v < 0 ? 0 : static_cast<int32_t>(*v);
  }
  if (auto v = number_field(body, "min_p")) s.min_p = ranged("min_p", *v, 0.0, 1.0);
  if (auto v = number_field(body, "presence_penalty")) s.presence_penalty = ranged("presence_penalty", *v, -2.0, 2.0);
  if (auto v = number_field(body, "frequency_penalty"))
    s.frequency_penalty = ranged("frequency_penalty", *v, -2.0, 2.0);
  if (auto v = number_field(body, "repetition_penalty"))
    s.repetition_penalty = ranged("repetition_penalty", *v, 0.0, 100.0, /*lo_open=*/true);
  if (const Value* v = member(body, "seed")) {
    if (v->IsUint64()) {
      s.seed = v->GetUint64();
    } else if (v->IsInt64()) {
      s.seed = static_cast<uint64_t>(v->GetInt64());  // negative seeds are fine: any 64 bits
    } else {
      wrong_type("seed", "an integer", *v);
    }
  }
  return s;
}

// Fields both endpoints share: model, max tokens, sampling, stop, n, stream.
void parse_common(const Value& body, const RequestLimits& limits, ApiRequest& out) {
  const Value* model = member(body, "model");
  if (!model) throw invalid_request("'model' is required", "model", "missing_required_parameter");
  if (!model->IsString()) wrong_type("model", "a string", *model);
  out.model.assign(model->GetString(), model->GetStringLength());
  if (out.model.empty()) throw invalid_request("'model' is empty", "model");

  for (const char* name : {"max_completion_tokens", "max_tokens"}) {
    auto v = integer_field(body, name);
    if (!v) continue;
    if (*v < 1 || static_cast<uint64_t>(*v) > limits.max_tokens_limit) {
      throw invalid_request(fmt::format("'{}' is {}; it must be between 1 and {} (the server's limit)", name, *v,
                                        limits.max_tokens_limit),
                            name);
    }
    if (!out.max_tokens) out.max_tokens = static_cast<size_t>(*v);  // max_completion_tokens wins
  }

  out.sampling = parse_sampling(body);

  if (const Value* stop = member(body, "stop")) {
    auto add = [&](const Value& s, std::string_view param) {
      if (!s.IsString()) wrong_type(param, "a string", s);
      if (s.GetStringLength() > 0) out.stop.emplace_back(s.GetString(), s.GetStringLength());
    };
    if (stop->IsString()) {
      add(*stop, "stop");
    } else if (stop->IsArray()) {
      if (stop->Size() > limits.max_stop_strings) {
        throw invalid_request(
            fmt::format("'stop' has {} strings; at most {} are allowed", stop->Size(), limits.max_stop_strings), "stop");
      }
      for (rapidjson::SizeType i = 0; i < stop->Size(); ++i) add((*stop)[i], fmt::format("stop[{}]", i));
    } else {
      wrong_type("stop", "a string or an array of strings", *stop);
    }
  }

  if (auto n = integer_field(body, "n"); n && *n != 1)
    throw invalid_request(fmt::format("'n' is {}; only n = 1 is supported", *n), "n", "unsupported_value");
  out.stream = bool_field(body, "stream").value_or(false);
  if (const Value* options = member(body, "stream_options")) {
    if (!options->IsObject()) wrong_type("stream_options", "an object", *options);
    auto include = member(*options, "include_usage");
    if (include && !include->IsBool()) wrong_type("stream_options.include_usage", "a boolean", *include);
    out.include_usage = include && include->GetBool();
  }
}

// One message's "content": a string, null, or an array of text parts (joined with "\n", as vLLM
// does). Returns the string.
std::string message_text(const Value& content, const std::string& param) {
  if (content.IsString()) return std::string(content.GetString(), content.GetStringLength());
  if (!content.IsArray()) wrong_type(param, "a string or an array of content parts", content);
  std::string text;
  for (rapidjson::SizeType i = 0; i < content.Size(); ++i) {
    const Value& part = content[i];
    const std::string part_param = fmt::format("{}[{}]", param, i);
    if (!part.IsObject()) wrong_type(part_param, "an object", part);
    const Value* type = member(part, "type");
    if (!type || !type->IsString())
      throw invalid_request(fmt::format("'{}.type' must be a string", part_param), part_param + ".type");
    if (std::string_view(type->GetString()) != "text") {
      throw invalid_request(
          fmt::format("'{}': content part type '{}' is not supported (text models take 'text' parts)", part_param,
                      type->GetString()),
          part_param + ".type", "unsupported_value");
    }
    const Value* part_text = member(part, "text");
    if (!part_text || !part_text->IsString())
      throw invalid_request(fmt::format("'{}.text' must be a string", part_param), part_param + ".text");
    if (i > 0) text += '\n';
    text.append(part_text->GetString(), part_text->GetStringLength());
  }
  return text;
}

// Checks and normalises the messages array in place (see ApiRequest::messages_json).
void normalise_messages(Value& messages, Document::AllocatorType& a) {
  if (!messages.IsArray()) wrong_type("messages", "an array", messages);
  if (messages.Empty()) throw invalid_request("'messages' is empty; at least one message is required", "messages");
  for (rapidjson::SizeType i = 0; i < messages.Size(); ++i) {
    Value& message = messages[i];
    const std::string param = fmt::format("messages[{}]", i);
    if (!message.IsObject()) wrong_type(param, "an object", message);
    const Value* role_value = member(message, "role");
    if (!role_value) throw invalid_request(fmt::format("'{}.role' is required", param), param + ".role");
    if (!role_value->IsString()) wrong_type(param + ".role", "a string", *role_value);
    std::string role = role_value->GetString();
    if (role == "developer") {
      role = "system";
      message["role"].SetString("system", a);
    }
    if (role != "system" && role != "user" && role != "assistant" && role != "tool") {
      throw invalid_request(
          fmt::format("'{}.role' is '{}'; expected system, developer, user, assistant or tool", param, role),
          param + ".role");
    }
    const Value* content = member(message, "content");
    const bool has_tool_calls = member(message, "tool_calls") != nullptr;
    if (!content && role != "assistant")
      throw invalid_request(fmt::format("'{}.content' is required for role '{}'", param, role), param + ".content");
    std::string text = content ? message_text(*content, param + ".content") : std::string();
    message.RemoveMember("content");
    message.AddMember("content", Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), a), a);

    if (has_tool_calls) {
      Value& calls = message["tool_calls"];
      if (!calls.IsArray()) wrong_type(param + ".tool_calls", "an array", calls);
      for (rapidjson::SizeType j = 0; j < calls.Size(); ++j) {
        const std::string call_param = fmt::format("{}.tool_calls[{}]", param, j);
        Value& call = calls[j];
        if (!call.IsObject()) wrong_type(call_param, "an object", call);
        auto function = call.FindMember("function");
        if (function == call.MemberEnd() || !function->value.IsObject())
          throw invalid_request(fmt::format("'{}.function' must be an object", call_param), call_param + ".function");
        Value& fn = function->value;
        const Value* name = member(fn, "name");
        if (!name || !name->IsString())
          throw invalid_request(fmt::format("'{}.function.name' must be a string", call_param),
                                call_param + ".function.name");
        // Templates iterate arguments as a mapping (Qwen3-Coder's `arguments|items`); OpenAI
        // sends them as a JSON string. Parse it, as vLLM does.
        auto arguments = fn.FindMember("arguments");
        if (arguments != fn.MemberEnd() && arguments->value.IsString()) {
          Document parsed(&a);
          parsed.Parse<kParseFlags>(arguments->value.GetString(), arguments->value.GetStringLength());
          if (parsed.HasParseError() || !parsed.IsObject()) {
            throw invalid_request(fmt::format("'{}.function.arguments' is not a JSON object", call_param),
                                  call_param + ".function.arguments");
          }
          arguments->value.CopyFrom(parsed, a);
        }
      }
    }
  }
}

}  // namespace

ApiRequest parse_chat_request(std::string_view body, const RequestLimits& limits) {
  Document doc = parse_body(body);
  auto& a = doc.GetAllocator();
  ApiRequest out;
  out.kind = ApiRequest::Kind::kChat;
  parse_common(doc, limits, out);

  if (auto logprobs = bool_field(doc, "logprobs"); logprobs && *logprobs)
    throw invalid_request("'logprobs' is not supported", "logprobs", "unsupported_value");

  auto messages = doc.FindMember("messages");
  if (messages == doc.MemberEnd() || messages->value.IsNull())
    throw invalid_request("'messages' is required", "messages", "missing_required_parameter");
  normalise_messages(messages->value, a);
  out.messages_json = to_json(messages->value);

  // tools / tool_choice
  Value tools(rapidjson::kArrayType);
  if (const Value* given = member(doc, "tools")) {
    if (!given->IsArray()) wrong_type("tools", "an array", *given);
    tools.CopyFrom(*given, a);
  }
  std::string forced_function;
  bool tools_off = false;
  if (const Value* choice = member(doc, "tool_choice")) {
    if (choice->IsString()) {
      const std::string_view c = choice->GetString();
      if (c == "none") {
        tools_off = true;
      } else if (c != "auto" && c != "required") {
        throw invalid_request(fmt::format("'tool_choice' is '{}'; expected none, auto, required or a function", c),
                              "tool_choice");
      }
    } else if (choice->IsObject()) {
      const Value* fn = member(*choice, "function");
      const Value* name = fn && fn->IsObject() ? member(*fn, "name") : nullptr;
      if (!name || !name->IsString())
        throw invalid_request("'tool_choice.function.name' must be a string", "tool_choice.function.name");
      forced_function = name->GetString();
    } else {
      wrong_type("tool_choice", "a string or an object", *choice);
    }
  }
  if (!forced_function.empty()) {
    // No constrained decoding: offering only the named tool is the closest we get.
    Value only(rapidjson::kArrayType);
    for (auto& tool : tools.GetArray()) {
      const Value* fn = tool.IsObject() ? member(tool, "function") : nullptr;
      const Value* name = fn && fn->IsObject() ? member(*fn, "name") : nullptr;
      if (name && name->IsString() && forced_function == name->GetString()) only.PushBack(Value(tool, a), a);
    }
    if (only.Empty())
      throw invalid_request(fmt::format("'tool_choice' names function '{}', which is not in 'tools'", forced_function),
                            "tool_choice");
    tools = std::move(only);
  }
  if (!tools_off && !tools.Empty()) {
    out.tools_json = to_json(tools);
    try {
      ToolSchemas::from_json(out.tools_json);
    } catch (const pio::Error& e) {
      throw invalid_request(fmt::format("'tools': {}", e.what()), "tools");
    }
    for (rapidjson::SizeType i = 0; i < tools.Size(); ++i) {
      const Value* fn = tools[i].IsObject() ? member(tools[i], "function") : nullptr;
      const Value* name = fn && fn->IsObject() ? member(*fn, "name") : nullptr;
      if (!name || !name->IsString())
        throw invalid_request(fmt::format("'tools[{}].function.name' must be a string", i),
                              fmt::format("tools[{}].function.name", i));
    }
  }

  // Template options: chat_template_kwargs first, then what the request fixes.
  Value options(rapidjson::kObjectType);
  if (const Value* kwargs = member(doc, "chat_template_kwargs")) {
    if (!kwargs->IsObject()) wrong_type("chat_template_kwargs", "an object", *kwargs);
    options.CopyFrom(*kwargs, a);
    if (const Value* think = member(options, "enable_thinking"); think && !think->IsBool())
      wrong_type("chat_template_kwargs.enable_thinking", "a boolean", *think);
  }
  if (!options.HasMember("add_generation_prompt")) options.AddMember("add_generation_prompt", true, a);
  options.RemoveMember("tools");
  if (!out.tools_json.empty()) options.AddMember("tools", tools, a);
  out.template_options_json = to_json(options);
  return out;
}

ApiRequest parse_completion_request(std::string_view body, const RequestLimits& limits) {
  Document doc = parse_body(body);
  ApiRequest out;
  out.kind = ApiRequest::Kind::kCompletion;
  parse_common(doc, limits, out);

  if (auto logprobs = integer_field(doc, "logprobs"); logprobs && *logprobs > 0)
    throw invalid_request("'logprobs' is not supported", "logprobs", "unsupported_value");
  if (auto echo = bool_field(doc, "echo"); echo && *echo)
    throw invalid_request("'echo' is not supported", "echo", "unsupported_value");
  if (auto best_of = integer_field(doc, "best_of"); best_of && *best_of != 1)
    throw invalid_request("'best_of' must be 1", "best_of", "unsupported_value");
  if (const Value* suffix = member(doc, "suffix"); suffix && !(suffix->IsString() && suffix->GetStringLength() == 0))
    throw invalid_request("'suffix' is not supported", "suffix", "unsupported_value");

  const Value* prompt = member(doc, "prompt");
  if (!prompt) throw invalid_request("'prompt' is required", "prompt", "missing_required_parameter");
  auto ids_from = [&](const Value& array) {
    std::vector<int32_t> ids;
    for (rapidjson::SizeType i = 0; i < array.Size(); ++i) {
      if (!array[i].IsInt() || array[i].GetInt() < 0)
        throw invalid_request(fmt::format("'prompt[{}]' must be a token id (a non-negative integer)", i), "prompt");
      ids.push_back(array[i].GetInt());
    }
    return ids;
  };
  if (prompt->IsString()) {
    out.prompt.assign(prompt->GetString(), prompt->GetStringLength());
  } else if (prompt->IsArray()) {
    if (prompt->Empty()) throw invalid_request("'prompt' is empty", "prompt");
    const Value& first = (*prompt)[0];
    if (first.IsString() || first.IsArray()) {
      if (prompt->Size() != 1)
        throw invalid_request("'prompt' holds several prompts; only one per request is supported", "prompt",
                              "unsupported_value");
      if (first.IsString()) {
        out.prompt.assign(first.GetString(), first.GetStringLength());
      } else {
        out.prompt_ids = ids_from(first);
      }
    } else {
      out.prompt_ids = ids_from(*prompt);
    }
  } else {
    wrong_type("prompt", "a string, an array of strings or an array of token ids", *prompt);
  }
  if (out.prompt_ids && out.prompt_ids->empty()) throw invalid_request("'prompt' is empty", "prompt");
  return out;
}

}  // namespace pio::server
