// The regular expressions of tokenizer.json (Split pre-tokenizer, ByteLevel's GPT-2 split),
// compiled with PCRE2 (UTF + UCP, JIT).
//
// Hugging Face `tokenizers` runs these patterns with Oniguruma. The two engines agree on the
// constructs byte-level tokenizers use (Unicode classes \p{..}, (?i:..), look-ahead), except
// that PCRE2's \s also matches U+180E; \s and \S outside character classes and \s inside them
// are therefore rewritten to Oniguruma's set, the Unicode White_Space property. And the Unicode
// versions differ (Oniguruma in `tokenizers` 0.23: 16.0; PCRE2 10.42: 14.0), so \p{L} and \p{N}
// (and \P{L}, \P{N} outside classes) are widened with the letters and numbers of the newer
// version (onig_unicode_extras.inc, measured from both engines by
// tools/golden/gen_tokenizer_fixtures.py). Other properties (\p{Lu}, \p{M}, ...) keep PCRE2's
// tables.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pio::tokenizer_detail {

struct MatchSpan {
  size_t begin;
  size_t end;
};

class Regex {
 public:
  // Compiles `pattern` (Oniguruma syntax; taken as a literal string when `literal`). `where`
  // names the file and JSON location for the error message. Throws pio::Error(kBadFormat) when
  // the pattern does not compile.
  Regex(std::string_view pattern, bool literal, std::string_view where);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;

  // Replaces `out` with the non-overlapping matches in `text` (valid UTF-8), leftmost first, as
  // byte offsets. Thread-safe. Throws pio::Error(kInternal) when PCRE2 runs out of its limits.
  void find_all(std::string_view text, std::vector<MatchSpan>& out) const;

 private:
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

// The Oniguruma -> PCRE2 rewrite described above (exposed for tests).
std::string onig_to_pcre2(std::string_view pattern);

}  // namespace pio::tokenizer_detail
