#include "added_tokens.h"

#include <utf8proc.h>

#include <algorithm>

#include "normalizer.h"
#include "utf8.h"

namespace pio::tokenizer_detail {
namespace {

// Rust's char::is_whitespace: the Unicode White_Space property.
bool is_white_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Rust's c.is_alphanumeric() || c == '_' (word characters for single_word). Alphabetic is
// approximated by the letter categories plus Nl: utf8proc does not expose Other_Alphabetic.
bool is_word_char(char32_t c) {
  if (c == '_') return true;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

// Start offset of the last character of s (non-empty, valid UTF-8).
size_t last_char_start(std::string_view s) {
  size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}

char32_t decode_at(std::string_view s, size_t i) { return utf8_step(s.substr(i)).code_point; }

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(const std::vector<AddedTokenInfo>& tokens, bool normalized,
                                     const Normalizer& normalizer) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].normalized != normalized || tokens[i].content.empty()) continue;
    std::string pattern = tokens[i].content;
    if (normalized) normalizer.normalize(tokens[i].content, pattern);
    if (pattern.empty()) continue;
    patterns_.push_back({std::move(pattern), static_cast<int32_t>(i)});
  }
  for (uint32_t p = 0; p < patterns_.size(); ++p)
    by_first_byte_[static_cast<unsigned char>(patterns_[p].text[0])].push_back(p);
  for (auto& list : by_first_byte_) {
    std::stable_sort(list.begin(), list.end(), [this](uint32_t a, uint32_t b) {
      return patterns_[a].text.size() > patterns_[b].text.size();
    });
  }
}

void AddedTokenMatcher::split(std::string_view text, const std::vector<AddedTokenInfo>& tokens,
                              bool parse_special, std::vector<AddedSegment>& out) const {
  out.clear();
  size_t start_offset = 0;  // end of the previous accepted token
  size_t pos = 0;           // where the leftmost-longest search continues
  while (pos < text.size()) {
    // Leftmost position with a match, longest pattern there.
    const Pattern* hit = nullptr;
    size_t at = pos;
    for (; at < text.size(); ++at) {
      const auto& candidates = by_first_byte_[static_cast<unsigned char>(text[at])];
      for (uint32_t p : candidates) {
        const std::string& t = patterns_[p].text;
        if (text.size() - at >= t.size() && text.compare(at, t.size(), t) == 0) {
          hit = &patterns_[p];
          break;
        }
      }
      if (hit) break;
    }
    if (!hit) break;
    size_t start = at;
    size_t stop = at + hit->text.size();
    pos = stop;
    const AddedTokenInfo& token = tokens[static_cast<size_t>(hit->token)];

    if (token.special && !parse_special) continue;
    if (token.single_word) {
      const bool space_before =
          start == 0 || !is_word_char(decode_at(text, last_char_start(text.substr(0, start))));
      const bool space_after = stop == text.size() || !is_word_char(decode_at(text, stop));
      if (!space_before || !space_after) continue;
    }
    if (token.lstrip) {
      size_t new_start = start;
      while (new_start > 0) {
        const size_t c = last_char_start(text.substr(0, new_start));
        if (!is_white_space(decode_at(text, c))) break;
        new_start = c;
      }
      start = std::max(new_start, start_offset);
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        const Utf8Step step = utf8_step(text.substr(stop));
        if (!is_white_space(step.code_point)) break;
        stop += step.length;
      }
    }
    if (start > start_offset) out.push_back({start_offset, start, -1});
    out.push_back({start, stop, hit->token});
    start_offset = stop;
  }
  if (start_offset < text.size()) out.push_back({start_offset, text.size(), -1});
}

}  // namespace pio::tokenizer_detail
