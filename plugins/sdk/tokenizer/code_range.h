// Inclusive code point ranges, the element type of the generated Unicode tables
// (onig_unicode_extras.inc, normalizer_unicode_extras.inc).
#pragma once

#include <algorithm>
#include <cstddef>

namespace pio::tokenizer_detail {

struct CodeRange {
  char32_t first, last;  // first > last: an empty table's placeholder
};

// True when `c` lies in one of `ranges` (sorted, disjoint).
template <size_t N>
bool in_ranges(char32_t c, const CodeRange (&ranges)[N]) noexcept {
  const CodeRange* it = std::upper_bound(
      ranges, ranges + N, c, [](char32_t v, const CodeRange& r) { return v < r.first; });
  return it != ranges && c <= (it - 1)->last && (it - 1)->first <= (it - 1)->last;
}

}  // namespace pio::tokenizer_detail
