// Serialisation of ModelInfo to the model_describe JSON (pio/sdk/model_info.h).
#include "pio/sdk/model_info.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <type_traits>

#include "pio/sdk/error.h"

namespace pio::sdk {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_key(Writer& writer, std::string_view key) {
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void write_string(Writer& writer, std::string_view key, const std::string& value) {
  write_key(writer, key);
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_optional_token(Writer& writer, std::string_view key, const std::optional<pio_token>& id) {
  write_key(writer, key);
  if (id) {
    writer.Int(*id);
  } else {
    writer.Null();
  }
}

template <typename T>
void write_if_set(Writer& writer, std::string_view key, const std::optional<T>& value) {
  if (!value) return;
  write_key(writer, key);
  if constexpr (std::is_same_v<T, bool>) {
    writer.Bool(*value);
  } else if constexpr (std::is_integral_v<T>) {
    writer.Int64(*value);
  } else {
    writer.Double(*value);
  }
}

constexpr std::array<std::string_view, 10> kStandardKeys{
    "architecture", "model_type", "capabilities", "context_length", "vocab_size",
    "special_tokens", "chat_template", "generation_defaults", "dtype", "device"};

}  // namespace

std::string to_json(const ModelInfo& info) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  write_string(writer, "architecture", info.architecture);
  write_string(writer, "model_type", info.model_type);

  write_key(writer, "capabilities");
  writer.StartObject();
  write_key(writer, "text");
  writer.Bool(info.capabilities.text);
  write_key(writer, "vision");
  writer.Bool(info.capabilities.vision);
  write_key(writer, "thinking");
  writer.Bool(info.capabilities.thinking);
  write_key(writer, "tools");
  writer.Bool(info.capabilities.tools);
  writer.EndObject();

  write_key(writer, "context_length");
  writer.Int64(info.context_length);
  write_key(writer, "vocab_size");
  writer.Int64(info.vocab_size);

  write_key(writer, "special_tokens");
  writer.StartObject();
  write_optional_token(writer, "bos", info.special_tokens.bos);
  write_key(writer, "eos");
  writer.StartArray();
  for (pio_token id : info.special_tokens.eos) writer.Int(id);
  writer.EndArray();
  write_optional_token(writer, "pad", info.special_tokens.pad);
  write_optional_token(writer, "image", info.special_tokens.image);
  writer.EndObject();

  write_key(writer, "chat_template");
  writer.Bool(info.chat_template);

  const GenerationDefaults& defaults = info.generation_defaults;
  write_key(writer, "generation_defaults");
  writer.StartObject();
  write_if_set(writer, "temperature", defaults.temperature);
  write_if_set(writer, "top_k", defaults.top_k);
  write_if_set(writer, "top_p", defaults.top_p);
  write_if_set(writer, "min_p", defaults.min_p);
  write_if_set(writer, "repetition_penalty", defaults.repetition_penalty);
  write_if_set(writer, "presence_penalty", defaults.presence_penalty);
  write_if_set(writer, "do_sample", defaults.do_sample);
  write_if_set(writer, "max_new_tokens", defaults.max_new_tokens);
  writer.EndObject();

  write_string(writer, "dtype", info.dtype);
  write_string(writer, "device", info.device);

  for (const auto& [key, raw_value] : info.extra) {
    if (std::find(kStandardKeys.begin(), kStandardKeys.end(), key) != kStandardKeys.end()) {
      throw_error(ErrorCode::kInvalidArgument, "model_describe: extra key \"{}\" repeats a standard key", key);
    }
    rapidjson::Document value;
    value.Parse(raw_value.data(), raw_value.size());
    if (value.HasParseError()) {
      throw_error(ErrorCode::kInvalidArgument, "model_describe: extra key \"{}\" is not valid JSON", key);
    }
    write_key(writer, key);
    value.Accept(writer);
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace pio::sdk
