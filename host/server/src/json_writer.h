// JsonWriter — a small convenience over RapidJSON's Writer for building response bodies.
// Private to pio_server. Strings are written with their length (embedded NULs survive) and
// RapidJSON escapes them; raw() inserts JSON text that is already valid (tool arguments).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace pio::server {

class JsonWriter {
 public:
  void start_object() { writer_.StartObject(); }
  void end_object() { writer_.EndObject(); }
  void start_array() { writer_.StartArray(); }
  void end_array() { writer_.EndArray(); }
  void key(std::string_view k) { writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
  void string(std::string_view s) { writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
  void integer(int64_t v) { writer_.Int64(v); }
  void uinteger(uint64_t v) { writer_.Uint64(v); }
  void number(double v) { writer_.Double(v); }
  void boolean(bool v) { writer_.Bool(v); }
  void null() { writer_.Null(); }
  // Inserts already-valid JSON text as one value.
  void raw(std::string_view json) {
    writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  }

  void field(std::string_view k, std::string_view v) { key(k); string(v); }
  void field(std::string_view k, const char* v) { key(k); string(v); }
  void field(std::string_view k, const std::string& v) { key(k); string(v); }
  void field(std::string_view k, int64_t v) { key(k); integer(v); }
  void field(std::string_view k, uint64_t v) { key(k); uinteger(v); }
  void field(std::string_view k, int v) { key(k); integer(v); }
  void field(std::string_view k, unsigned v) { key(k); uinteger(v); }
  void field(std::string_view k, double v) { key(k); number(v); }
  void field(std::string_view k, bool v) { key(k); boolean(v); }

  std::string take() { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_{buffer_};
};

}  // namespace pio::server
