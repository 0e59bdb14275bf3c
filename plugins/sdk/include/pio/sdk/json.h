// pio::JsonValue — read-only JSON documents (config.json, generation_config.json, index files,
// tokenizer.json) with typed getters whose errors name the file, the field and the types involved.
//
// RapidJSON does the parsing; it stays an implementation detail (no RapidJSON type appears here).
// A JsonValue is a cheap handle: it shares ownership of its document, so a value taken from a
// document stays valid after the document's other handles are gone.
//
//   pio::JsonValue cfg = pio::parse_json_file(dir / "config.json");
//   int64_t layers = cfg.get<int64_t>("num_hidden_layers");          // required
//   double eps     = cfg.get_or<double>("rms_norm_eps", 1e-6);         // optional with default
//   auto ids       = cfg.get<std::vector<int64_t>>("mlp_only_layers");  // arrays
//   if (auto s = cfg.find("rope_scaling"); s && !s->is_null()) { ... }
//
// Errors (all pio::Error):
//   kIo        the file cannot be read
//   kBadFormat malformed JSON ("config.json: malformed JSON at offset 120 (line 7, column 3): ...")
//              or a field of the wrong type ("config.json: field /num_hidden_layers: expected an
//              integer, got string")
//   kNotFound  a required field is missing ("config.json: missing field /num_hidden_layers")
// Thread-safety: values are immutable; concurrent reads of one document are safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace pio {

enum class JsonType { kNull, kBool, kNumber, kString, kArray, kObject };

// "null", "bool", "number", "string", "array", "object".
const char* json_type_name(JsonType type) noexcept;

namespace detail {
struct JsonDocumentState;  // the parsed document and its source name (json.cpp)
template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};
}  // namespace detail

class JsonValue {
 public:
  // An empty handle (is_valid() false); every accessor other than is_valid() throws kInternal.
  JsonValue() = default;

  bool is_valid() const noexcept { return value_ != nullptr; }
  JsonType type() const;
  bool is_null() const { return type() == JsonType::kNull; }
  bool is_object() const { return type() == JsonType::kObject; }
  bool is_array() const { return type() == JsonType::kArray; }
  bool is_string() const { return type() == JsonType::kString; }
  bool is_number() const { return type() == JsonType::kNumber; }
  bool is_bool() const { return type() == JsonType::kBool; }
  // True for numbers stored as integers (no fraction or exponent in the text).
  bool is_integer() const;

  // JSON pointer of this value inside its document ("" for the root, "/rope_scaling/factor").
  const std::string& pointer() const noexcept { return pointer_; }
  // The name given when parsing (usually the file path), used in every error message.
  const std::string& source() const;

  // --- objects ---
  // True if this is an object with member `key` (a null member counts as present).
  bool has(std::string_view key) const;
  // The member, or nullopt if absent. Throws kBadFormat if this is not an object.
  std::optional<JsonValue> find(std::string_view key) const;
  // The member; throws kNotFound naming the field if absent, kBadFormat if not an object.
  JsonValue operator[](std::string_view key) const;
  // Member names in document order. Throws kBadFormat if not an object.
  std::vector<std::string> keys() const;
  // Calls fn(key, value) for every member in document order. Throws kBadFormat if not an object.
  void for_each_member(const std::function<void(std::string_view, const JsonValue&)>& fn) const;

  // --- arrays ---
  // Number of elements (arrays) or members (objects); throws kBadFormat for other types.
  size_t size() const;
  // Element i; throws kBadFormat if not an array or i is out of range.
  JsonValue at(size_t i) const;

  // --- typed access ---
  // Converts this value to T: bool, int32_t, int64_t, uint64_t, double, float, std::string,
  // std::string_view (points into the document; valid while any handle of it lives),
  // JsonValue, or std::vector of any of these. Integers accept numbers with an integral value
  // (1e6 or 40960.0); they reject fractions and out-of-range values. Throws kBadFormat naming the
  // field, the expected type and the actual type.
  template <typename T>
  T as() const {
    if constexpr (detail::IsVector<T>::value) {
      using Element = typename T::value_type;
      require_array();
      T out;
      out.reserve(size());
      for (size_t i = 0; i < size(); ++i) out.push_back(at(i).template as<Element>());
      return out;
    } else {
      return as_scalar<T>();
    }
  }

  // Required member converted to T (kNotFound if absent; null is a type error).
  template <typename T>
  T get(std::string_view key) const {
    return (*this)[key].template as<T>();
  }
  // Member converted to T, or `fallback` if the member is absent or null.
  template <typename T>
  T get_or(std::string_view key, T fallback) const {
    auto v = find(key);
    if (!v || v->is_null()) return fallback;
    return v->template as<T>();
  }
  // Member converted to T, or nullopt if absent or null.
  template <typename T>
  std::optional<T> get_optional(std::string_view key) const {
    auto v = find(key);
    if (!v || v->is_null()) return std::nullopt;
    return v->template as<T>();
  }

  // Compact JSON text of this value (for messages and for passing values through).
  std::string dump() const;

 private:
  friend JsonValue parse_json(std::string_view, std::string_view);
  JsonValue(std::shared_ptr<const detail::JsonDocumentState> doc, const void* value, std::string pointer)
      : doc_(std::move(doc)), value_(value), pointer_(std::move(pointer)) {}

  template <typename T>
  T as_scalar() const;
  void require_array() const;
  [[noreturn]] void type_error(const char* expected) const;
  JsonValue child(const void* value, std::string pointer) const { return JsonValue(doc_, value, std::move(pointer)); }

  std::shared_ptr<const detail::JsonDocumentState> doc_;
  const void* value_ = nullptr;  // a rapidjson::Value owned by *doc_
  std::string pointer_;
};

template <> bool JsonValue::as_scalar<bool>() const;
template <> int32_t JsonValue::as_scalar<int32_t>() const;
template <> int64_t JsonValue::as_scalar<int64_t>() const;
template <> uint64_t JsonValue::as_scalar<uint64_t>() const;
template <> double JsonValue::as_scalar<double>() const;
template <> float JsonValue::as_scalar<float>() const;
template <> std::string JsonValue::as_scalar<std::string>() const;
template <> std::string_view JsonValue::as_scalar<std::string_view>() const;
template <> JsonValue JsonValue::as_scalar<JsonValue>() const;

// Parses `text` (UTF-8, validated). `source_name` names the text in errors (a path or "<stdin>").
// Throws kBadFormat with the byte offset, line and column of a syntax error.
JsonValue parse_json(std::string_view text, std::string_view source_name);

// Throws pio::Error(kBadFormat) naming `source_name` when a number outside strings is longer than
// 64 characters or has an exponent of more than four digits. Debian's RapidJSON 1.1 reads out of
// bounds (and can crash) on such numbers in its full-precision path (found by fuzzing the
// safetensors header); every RapidJSON parse of untrusted text should call this first. Valid
// doubles need neither.
void reject_oversized_exponents(std::string_view text, std::string_view source_name);

// Reads and parses a file. Throws kNotFound if it does not exist, kIo if it cannot be read,
// kBadFormat as parse_json.
JsonValue parse_json_file(const std::filesystem::path& path);

// Escapes `text` as a JSON string literal including the quotes ("a\"b" for a"b).
std::string json_quote(std::string_view text);

}  // namespace pio
