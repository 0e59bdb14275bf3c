#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>

#include "code_range.h"
#include "pio/sdk/error.h"
#include "utf8.h"

namespace pio::tokenizer_detail {
namespace {

// Unicode White_Space, which is what Oniguruma's \s matches for UTF-8 text.
constexpr std::string_view kWhiteSpaceSet =
    "\\t\\n\\x0B\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}"
    "\\x{205F}\\x{3000}";

#include "onig_unicode_extras.inc"

// "\x{A}-\x{B}..." for a class body; empty ranges (first > last) are skipped.
template <size_t N>
std::string class_items(const CodeRange (&ranges)[N]) {
  std::string out;
  for (const CodeRange& r : ranges) {
    if (r.first > r.last) continue;
    out += fmt::format("\\x{{{:X}}}", static_cast<uint32_t>(r.first));
    if (r.last != r.first) out += fmt::format("-\\x{{{:X}}}", static_cast<uint32_t>(r.last));
  }
  return out;
}

// The class body standing for Oniguruma's \p{L} or \p{N} (PCRE2's property plus the extras).
const std::string& widened_property(char property) {
  static const std::string letters = "\\p{L}" + class_items(kExtraLetters);
  static const std::string numbers = "\\p{N}" + class_items(kExtraNumbers);
  return property == 'L' ? letters : numbers;
}

// If pattern[i] starts "p{L}", "p{N}", "pL" or "pN" (after a backslash), the property letter and
// the length of that text; otherwise 0.
std::pair<char, size_t> letter_or_number_property(std::string_view pattern, size_t i) {
  const std::string_view rest = pattern.substr(i + 1);
  for (char p : {'L', 'N'}) {
    if (rest.starts_with(std::string{'{', p, '}'})) return {p, 4};
    if (!rest.empty() && rest[0] == p) return {p, 2};
  }
  return {0, 0};
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0) return "unknown PCRE2 error";
  return reinterpret_cast<const char*>(buffer);
}

}  // namespace

std::string onig_to_pcre2(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 64);
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[++i];
      if (e == 's') {
        if (in_class) {
          out += kWhiteSpaceSet;
        } else {
          out += '[';
          out += kWhiteSpaceSet;
          out += ']';
        }
      } else if (e == 'S' && !in_class) {
        out += "[^";
        out += kWhiteSpaceSet;
        out += ']';
      } else if (auto [property, length] = (e == 'p' || e == 'P')
                                               ? letter_or_number_property(pattern, i)
                                               : std::pair<char, size_t>{0, 0};
                 property != 0 && (e == 'p' || (e == 'P' && !in_class))) {
        // \p{L} / \p{N} (and \P outside classes) with Oniguruma's newer Unicode repertoire.
        const bool negated = e == 'P';
        if (in_class) {
          out += widened_property(property);
        } else {
          out += negated ? "[^" : "[";
          out += widened_property(property);
          out += ']';
        }
        i += length - 1;
      } else {
        out += c;
        out += e;
      }
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal member, not the end of the class.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (in_class && c == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {
      // POSIX class [:alpha:] inside a bracket expression: copy through its closing ":]".
      const size_t close = pattern.find(":]", i + 2);
      if (close != std::string_view::npos) {
        out.append(pattern.substr(i, close + 2 - i));
        i = close + 1;
        continue;
      }
    }
    if (in_class && c == ']') in_class = false;
    out += c;
  }
  return out;
}

struct Regex::Compiled {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Compiled() { pcre2_code_free(code); }
};

Regex::Regex(std::string_view pattern, bool literal, std::string_view where)
    : compiled_(std::make_unique<Compiled>()) {
  const std::string translated = literal ? std::string(pattern) : onig_to_pcre2(pattern);
  const uint32_t options = literal ? PCRE2_UTF | PCRE2_LITERAL : PCRE2_UTF | PCRE2_UCP;
  int error = 0;
  PCRE2_SIZE offset = 0;
  compiled_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()),
                                  translated.size(), options, &error, &offset, nullptr);
  if (compiled_->code == nullptr) {
    throw_error(ErrorCode::kBadFormat, "{}: regex /{}/ does not compile: {} at offset {}", where,
                pattern, pcre2_message(error), offset);
  }
  compiled_->jit = pcre2_jit_compile(compiled_->code, PCRE2_JIT_COMPLETE) == 0;
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

void Regex::find_all(std::string_view text, std::vector<MatchSpan>& out) const {
  out.clear();
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create_from_pattern(compiled_->code, nullptr), &pcre2_match_data_free);
  if (!match) throw_error(ErrorCode::kOutOfMemory, "tokenizer: cannot allocate regex match data");
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t start = 0;
  while (start <= text.size()) {
    int rc = compiled_->jit ? pcre2_jit_match(compiled_->code, subject, text.size(), start,
                                              PCRE2_NO_UTF_CHECK, match.get(), nullptr)
                            : PCRE2_ERROR_JIT_STACKLIMIT;
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
      // The interpreter keeps its backtracking frames on the heap and copes with inputs that
      // overflow the JIT's small stack (long runs of the same class).
      rc = pcre2_match(compiled_->code, subject, text.size(), start, PCRE2_NO_UTF_CHECK,
                       match.get(), nullptr);
    }
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      throw_error(ErrorCode::kInternal, "tokenizer: regex match failed at byte {}: {}", start,
                  pcre2_message(rc));
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
    const size_t begin = ovector[0], end = ovector[1];
    out.push_back({begin, end});
    if (end > begin) {
      start = end;
    } else {
      // An empty match: step over one character so the search moves on.
      if (end >= text.size()) break;
      start = end + utf8_step(text.substr(end)).length;
    }
  }
}

}  // namespace pio::tokenizer_detail
