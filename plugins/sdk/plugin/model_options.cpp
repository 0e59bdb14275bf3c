// Parsing of model_load / session_create option objects (pio/sdk/model_options.h).
#include "pio/sdk/model_options.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <array>
#include <string>

#include "pio/sdk/error.h"
#include "pio/sdk/plugin_log.h"

namespace pio::sdk {
namespace {

// Parses `json` (empty = {}) into an object document; `what` names the call in messages.
rapidjson::Document parse_object(std::string_view json, std::string_view what) {
  rapidjson::Document document;
  if (json.empty()) {
    document.SetObject();
    return document;
  }
  document.Parse(json.data(), json.size());
  if (document.HasParseError()) {
    throw_error(ErrorCode::kBadFormat, "{} options: malformed JSON at offset {}: {}", what,
                document.GetErrorOffset(), rapidjson::GetParseError_En(document.GetParseError()));
  }
  if (!document.IsObject()) throw_error(ErrorCode::kBadFormat, "{} options: expected a JSON object", what);
  return document;
}

bool get_bool(const rapidjson::Value& value, std::string_view what, std::string_view key) {
  if (!value.IsBool()) throw_error(ErrorCode::kInvalidArgument, "{} options: \"{}\" must be a boolean", what, key);
  return value.GetBool();
}

int64_t get_non_negative(const rapidjson::Value& value, std::string_view what, std::string_view key) {
  if (!value.IsInt64() || value.GetInt64() < 0) {
    throw_error(ErrorCode::kInvalidArgument, "{} options: \"{}\" must be a non-negative integer", what, key);
  }
  return value.GetInt64();
}

std::string get_string(const rapidjson::Value& value, std::string_view what, std::string_view key) {
  if (!value.IsString()) throw_error(ErrorCode::kInvalidArgument, "{} options: \"{}\" must be a string", what, key);
  return std::string(value.GetString(), value.GetStringLength());
}

bool is_valid_device(std::string_view device) {
  if (device == "auto" || device == "cpu" || device == "cuda") return true;
  if (device.substr(0, 5) != "cuda:" || device.size() == 5) return false;
  for (char c : device.substr(5)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

LoadOptions parse_load_options(std::string_view json) {
  constexpr std::string_view what = "model_load";
  const rapidjson::Document document = parse_object(json, what);
  LoadOptions options;
  if (!json.empty()) options.json = std::string(json);
  for (const auto& member : document.GetObject()) {
    const std::string_view key(member.name.GetString(), member.name.GetStringLength());
    if (key == "dtype") {
      options.dtype = get_string(member.value, what, key);
      constexpr std::array<std::string_view, 4> kDtypes{"auto", "f32", "f16", "bf16"};
      if (std::find(kDtypes.begin(), kDtypes.end(), options.dtype) == kDtypes.end()) {
        throw_error(ErrorCode::kInvalidArgument,
                    "model_load options: \"dtype\" is \"{}\"; expected auto, f32, f16 or bf16", options.dtype);
      }
    } else if (key == "load_in_4bit") {
      options.load_in_4bit = get_bool(member.value, what, key);
    } else if (key == "context_length") {
      options.context_length = get_non_negative(member.value, what, key);
    } else if (key == "threads") {
      const int64_t threads = get_non_negative(member.value, what, key);
      if (threads > 4096) throw_error(ErrorCode::kInvalidArgument, "model_load options: \"threads\" is {}; at most 4096", threads);
      options.threads = static_cast<int32_t>(threads);
    } else if (key == "device") {
      options.device = get_string(member.value, what, key);
      if (!is_valid_device(options.device)) {
        throw_error(ErrorCode::kInvalidArgument,
                    "model_load options: \"device\" is \"{}\"; expected auto, cpu, cuda or cuda:N", options.device);
      }
    } else {
      log_warn("model_load options: unknown key \"{}\" ignored", key);
    }
  }
  return options;
}

SessionOptions parse_session_options(std::string_view json) {
  constexpr std::string_view what = "session_create";
  const rapidjson::Document document = parse_object(json, what);
  SessionOptions options;
  if (!json.empty()) options.json = std::string(json);
  for (const auto& member : document.GetObject()) {
    const std::string_view key(member.name.GetString(), member.name.GetStringLength());
    if (key == "context_length") {
      options.context_length = get_non_negative(member.value, what, key);
    } else {
      log_warn("session_create options: unknown key \"{}\" ignored", key);
    }
  }
  return options;
}

}  // namespace pio::sdk
