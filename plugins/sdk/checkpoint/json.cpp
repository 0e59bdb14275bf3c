// JsonValue over RapidJSON: parsing with positioned errors, typed conversion with named fields.
#include "pio/sdk/json.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "pio/sdk/error.h"

namespace pio {

namespace detail {
struct JsonDocumentState {
  rapidjson::Document document;
  std::string source;
};
}  // namespace detail

namespace {

const rapidjson::Value& rj(const void* value) { return *static_cast<const rapidjson::Value*>(value); }

JsonType type_of(const rapidjson::Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return JsonType::kNull;
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return JsonType::kBool;
    case rapidjson::kNumberType: return JsonType::kNumber;
    case rapidjson::kStringType: return JsonType::kString;
    case rapidjson::kArrayType: return JsonType::kArray;
    case rapidjson::kObjectType: return JsonType::kObject;
  }
  return JsonType::kNull;
}

// JSON pointer escaping (RFC 6901): '~' -> "~0", '/' -> "~1".
std::string pointer_child(const std::string& parent, std::string_view key) {
  std::string out = parent;
  out += '/';
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

// Line and column (1-based) of a byte offset, for parse errors.
std::pair<size_t, size_t> line_column(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

}  // namespace

const char* json_type_name(JsonType type) noexcept {
  switch (type) {
    case JsonType::kNull: return "null";
    case JsonType::kBool: return "bool";
    case JsonType::kNumber: return "number";
    case JsonType::kString: return "string";
    case JsonType::kArray: return "array";
    case JsonType::kObject: return "object";
  }
  return "?";
}

JsonType JsonValue::type() const {
  if (!value_) throw_error(ErrorCode::kInternal, "use of an empty JsonValue");
  return type_of(rj(value_));
}

bool JsonValue::is_integer() const {
  const auto& v = rj(value_);
  return v.IsInt64() || v.IsUint64();
}

const std::string& JsonValue::source() const {
  if (!doc_) throw_error(ErrorCode::kInternal, "use of an empty JsonValue");
  return doc_->source;
}

void JsonValue::type_error(const char* expected) const {
  throw_error(ErrorCode::kBadFormat, "{}: field {}: expected {}, got {}", source(),
              pointer_.empty() ? "(root)" : pointer_, expected, json_type_name(type()));
}

bool JsonValue::has(std::string_view key) const {
  const auto& v = rj(value_);
  if (!v.IsObject()) return false;
  return v.FindMember(rapidjson::StringRef(key.data(), key.size())) != v.MemberEnd();
}

std::optional<JsonValue> JsonValue::find(std::string_view key) const {
  if (!is_object()) type_error("an object");
  const auto& v = rj(value_);
  auto it = v.FindMember(rapidjson::StringRef(key.data(), key.size()));
  if (it == v.MemberEnd()) return std::nullopt;
  return child(&it->value, pointer_child(pointer_, key));
}

JsonValue JsonValue::operator[](std::string_view key) const {
  auto v = find(key);
  if (!v) throw_error(ErrorCode::kNotFound, "{}: missing field {}", source(), pointer_child(pointer_, key));
  return *v;
}

std::vector<std::string> JsonValue::keys() const {
  if (!is_object()) type_error("an object");
  std::vector<std::string> out;
  for (const auto& m : rj(value_).GetObject()) out.emplace_back(m.name.GetString(), m.name.GetStringLength());
  return out;
}

void JsonValue::for_each_member(const std::function<void(std::string_view, const JsonValue&)>& fn) const {
  if (!is_object()) type_error("an object");
  for (const auto& m : rj(value_).GetObject()) {
    std::string_view key(m.name.GetString(), m.name.GetStringLength());
    fn(key, child(&m.value, pointer_child(pointer_, key)));
  }
}

size_t JsonValue::size() const {
  const auto& v = rj(value_);
  if (v.IsArray()) return v.Size();
  if (v.IsObject()) return v.MemberCount();
  type_error("an array or object");
}

void JsonValue::require_array() const {
  if (!is_array()) type_error("an array");
}

JsonValue JsonValue::at(size_t i) const {
  require_array();
  const auto& v = rj(value_);
  if (i >= v.Size()) {
    throw_error(ErrorCode::kBadFormat, "{}: field {}: index {} out of range (size {})", source(), pointer_, i,
                v.Size());
  }
  return child(&v[static_cast<rapidjson::SizeType>(i)], pointer_ + "/" + std::to_string(i));
}

std::string JsonValue::dump() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  rj(value_).Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

template <>
bool JsonValue::as_scalar<bool>() const {
  if (!is_bool()) type_error("a bool");
  return rj(value_).GetBool();
}

template <>
int64_t JsonValue::as_scalar<int64_t>() const {
  const auto& v = rj(value_);
  if (v.IsInt64()) return v.GetInt64();
  if (v.IsNumber() && !v.IsUint64()) {
    // 40960.0 or 1e6: accepted when the value is integral and representable.
    double d = v.GetDouble();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15) return static_cast<int64_t>(d);
  }
  if (v.IsNumber()) {
    throw_error(ErrorCode::kBadFormat, "{}: field {}: expected an integer, got {}", source(),
                pointer_.empty() ? "(root)" : pointer_, dump());
  }
  type_error("an integer");
}

template <>
int32_t JsonValue::as_scalar<int32_t>() const {
  int64_t v = as_scalar<int64_t>();
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    throw_error(ErrorCode::kBadFormat, "{}: field {}: {} does not fit a 32-bit integer", source(), pointer_, v);
  }
  return static_cast<int32_t>(v);
}

template <>
uint64_t JsonValue::as_scalar<uint64_t>() const {
  const auto& v = rj(value_);
  if (v.IsUint64()) return v.GetUint64();
  int64_t s = as_scalar<int64_t>();
  if (s < 0) throw_error(ErrorCode::kBadFormat, "{}: field {}: expected a non-negative integer, got {}", source(), pointer_, s);
  return static_cast<uint64_t>(s);
}

template <>
double JsonValue::as_scalar<double>() const {
  if (!is_number()) type_error("a number");
  return rj(value_).GetDouble();
}

template <>
float JsonValue::as_scalar<float>() const {
  return static_cast<float>(as_scalar<double>());
}

template <>
std::string JsonValue::as_scalar<std::string>() const {
  if (!is_string()) type_error("a string");
  const auto& v = rj(value_);
  return std::string(v.GetString(), v.GetStringLength());
}

template <>
std::string_view JsonValue::as_scalar<std::string_view>() const {
  if (!is_string()) type_error("a string");
  const auto& v = rj(value_);
  return std::string_view(v.GetString(), v.GetStringLength());
}

template <>
JsonValue JsonValue::as_scalar<JsonValue>() const {
  return *this;
}

// Longer than any double needs (17 significant digits, sign, point, exponent) by a wide margin.
constexpr size_t kMaxNumberLength = 64;

void reject_oversized_exponents(std::string_view text, std::string_view source_name) {
  auto number_char = [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
  };
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (!((c >= '0' && c <= '9') || c == '-')) continue;
    // A number token: its length and its exponent's digits.
    size_t j = i;
    size_t exponent_digits = 0;
    bool in_exponent = false;
    for (; j < text.size() && number_char(text[j]); ++j) {
      if (text[j] == 'e' || text[j] == 'E') in_exponent = true;
      else if (in_exponent && text[j] >= '0' && text[j] <= '9') ++exponent_digits;
    }
    if (j - i > kMaxNumberLength || exponent_digits > 4) {
      throw_error(ErrorCode::kBadFormat, "{}: number at offset {} is out of range ({} characters)",
                  source_name, i, j - i);
    }
    i = j - 1;
  }
}

JsonValue parse_json(std::string_view text, std::string_view source_name) {
  reject_oversized_exponents(text, source_name);
  auto state = std::make_shared<detail::JsonDocumentState>();
  state->source = std::string(source_name);
  // Full-precision doubles (rope_theta, eps) and UTF-8 validation; NaN/Infinity are not JSON.
  constexpr unsigned kFlags = rapidjson::kParseFullPrecisionFlag | rapidjson::kParseValidateEncodingFlag;
  state->document.Parse<kFlags>(text.data(), text.size());
  if (state->document.HasParseError()) {
    size_t offset = state->document.GetErrorOffset();
    auto [line, column] = line_column(text, offset);
    throw_error(ErrorCode::kBadFormat, "{}: malformed JSON at offset {} (line {}, column {}): {}", source_name, offset,
                line, column, rapidjson::GetParseError_En(state->document.GetParseError()));
  }
  const rapidjson::Value* root = &state->document;
  return JsonValue(std::move(state), root, "");
}

JsonValue parse_json_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw_error(ErrorCode::kNotFound, "{}: file not found", path.string());
  if (std::filesystem::is_directory(path, ec)) throw_error(ErrorCode::kIo, "{}: is a directory, not a JSON file", path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open for reading", path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw_error(ErrorCode::kIo, "{}: read error", path.string());
  return parse_json(text.str(), path.string());
}

std::string json_quote(std::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace pio
