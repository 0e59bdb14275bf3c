// The "pre_tokenizer" of tokenizer.json: Split (regex or literal pattern, every
// SplitDelimiterBehavior, invert), ByteLevel (add_prefix_space, use_regex) and Sequence of
// those. Splitting follows `tokenizers`' NormalizedString::split; empty pieces are dropped.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "regex.h"

namespace pio::tokenizer_detail {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

struct PreTokenizerStep {
  enum class Kind { kSplit, kByteLevel } kind = Kind::kSplit;
  std::optional<Regex> regex;  // Split's pattern, or ByteLevel's GPT-2 regex when use_regex
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;
  bool add_prefix_space = false;  // ByteLevel only
};

class PreTokenizer {
 public:
  explicit PreTokenizer(std::vector<PreTokenizerStep> steps = {}) : steps_(std::move(steps)) {}

  // Calls `sink` with each word of `text` (valid UTF-8), in order. Thread-safe.
  void split(std::string_view text, const std::function<void(std::string_view)>& sink) const;

  // The GPT-2 pattern that ByteLevel uses when use_regex is true.
  static constexpr std::string_view kGpt2Pattern =
      R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

 private:
  void run(size_t step, std::string_view piece,
           const std::function<void(std::string_view)>& sink) const;

  std::vector<PreTokenizerStep> steps_;
};

// Applies `behavior` (and `invert`) to the matches of a pattern in a text of `length` bytes:
// returns the spans to keep, empty ones included (the caller drops them).
std::vector<MatchSpan> apply_split_behavior(size_t length, const std::vector<MatchSpan>& matches,
                                            SplitBehavior behavior, bool invert);

}  // namespace pio::tokenizer_detail
