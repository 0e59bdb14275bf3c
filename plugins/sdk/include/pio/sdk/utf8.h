// UTF-8 encoding shared by the SDK components that build text code point by code point (the
// tokenizer's byte-level alphabet, the chat template's string methods and escapes).
#pragma once

#include <string>

namespace pio {

// Appends the UTF-8 encoding (1 to 4 bytes) of `cp` to `out`. `cp` must be a Unicode scalar value
// (<= U+10FFFF, not a surrogate); other values are not checked and give bytes that are not valid
// UTF-8. Throws only std::bad_alloc. Thread-safe for distinct `out`.
inline void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace pio
