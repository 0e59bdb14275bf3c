// Splitting added tokens ("added_tokens" of tokenizer.json) out of text, as `tokenizers`'
// AddedVocabulary does: leftmost-longest non-overlapping matches of the token contents, then
// per token the single_word / lstrip / rstrip rules of AddedVocabulary::find_matches.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pio/sdk/tokenizer.h"

namespace pio::tokenizer_detail {

class Normalizer;

struct AddedSegment {
  size_t begin, end;
  int32_t token;  // index into the added-token list, or -1 for ordinary text
};

class AddedTokenMatcher {
 public:
  // Takes the tokens whose `normalized` flag equals `normalized`; their patterns are the
  // contents, passed through `normalizer` for the normalized set.
  AddedTokenMatcher(const std::vector<AddedTokenInfo>& tokens, bool normalized,
                    const Normalizer& normalizer);
  AddedTokenMatcher() = default;

  bool empty() const noexcept { return patterns_.empty(); }

  // Replaces `out` with segments covering `text` in order (empty text segments left out).
  // Special tokens are only recognised when `parse_special`.
  void split(std::string_view text, const std::vector<AddedTokenInfo>& tokens, bool parse_special,
             std::vector<AddedSegment>& out) const;

 private:
  struct Pattern {
    std::string text;
    int32_t token;
  };
  std::vector<Pattern> patterns_;
  // Indices into patterns_ by first byte, longest first, so the first hit is the longest.
  std::array<std::vector<uint32_t>, 256> by_first_byte_;
};

}  // namespace pio::tokenizer_detail
