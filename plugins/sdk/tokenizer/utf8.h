// UTF-8 helpers of the tokenizer: validation, repair and the "maximal subpart" rule.
//
// Invalid UTF-8 is replaced the way Rust's String::from_utf8_lossy and Python's
// bytes.decode("utf-8", "replace") do it (Unicode 15 §3.9, "U+FFFD substitution of maximal
// subparts"): each maximal prefix of a would-be sequence that cannot be completed becomes one
// U+FFFD. The byte-level decoder relies on this to match Hugging Face `tokenizers` exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pio/sdk/utf8.h"

namespace pio::tokenizer_detail {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Result of looking at the bytes starting at one position.
struct Utf8Step {
  enum Kind { kValid, kInvalid, kIncomplete } kind;
  size_t length;  // kValid: bytes of the character; kInvalid: bytes of the maximal subpart (>= 1);
                  // kIncomplete: bytes available, all of a valid prefix that the input cut short
  char32_t code_point;  // kValid only
};

// Classifies the sequence starting at s[0] (s must be non-empty).
Utf8Step utf8_step(std::string_view s) noexcept;

// True when `s` is entirely valid UTF-8.
bool is_valid_utf8(std::string_view s) noexcept;

// Appends `s` to `out`, each maximal invalid subpart replaced with U+FFFD.
void append_utf8_lossy(std::string_view s, std::string& out);

// Number of leading bytes of `s` that are final: complete characters and invalid subparts that
// no later byte could turn valid. The rest (at most 3 bytes) is a valid but unfinished prefix.
size_t utf8_final_prefix(std::string_view s) noexcept;

// Appends the UTF-8 encoding of `cp` (cp must be a Unicode scalar value); pio/sdk/utf8.h.
using pio::append_utf8;

}  // namespace pio::tokenizer_detail
