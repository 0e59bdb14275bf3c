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
  // Invalid UTF-8 (a model can emit any bytes) is replaced by U+FFFD, so every body is valid
  // JSON for strict clients.
  void string(std::string_view s) {
    if (valid_utf8(s)) {
      writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    } else {
      const std::string fixed = replace_invalid_utf8(s);
      writer_.String(fixed.data(), static_cast<rapidjson::SizeType>(fixed.size()));
    }
  }
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

  // Length of the valid UTF-8 sequence at the start of `s` (0 when it is not one).
  static size_t utf8_sequence(std::string_view s) {
    const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = b(0);
    if (c < 0x80) return 1;
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
    else return 0;
    if (s.size() < n) return 0;
    for (size_t i = 1; i < n; ++i) {
      if ((b(i) & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (b(i) & 0x3F);
    }
    const bool overlong = (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
  }
  static bool valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      const size_t n = utf8_sequence(s.substr(i));
      if (n == 0) return false;
      i += n;
    }
    return true;
  }
  static std::string replace_invalid_utf8(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size();) {
      const size_t n = utf8_sequence(s.substr(i));
      if (n == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
    }
    return out;
  }

  std::string take() { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_{buffer_};
};

}  // namespace pio::server
