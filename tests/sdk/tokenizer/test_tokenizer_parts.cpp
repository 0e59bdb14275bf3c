// The tokenizer's internal pieces: UTF-8 repair, the byte-level alphabet, split behaviours and
// the Oniguruma -> PCRE2 pattern rewrite.
#include <utf8proc.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "byte_level.h"
#include "normalizer.h"
#include "pre_tokenizer.h"
#include "regex.h"
#include "utf8.h"

using namespace pio::tokenizer_detail;

namespace {

std::string lossy(const std::string& s) {
  std::string out;
  append_utf8_lossy(s, out);
  return out;
}

const std::string R = "\xEF\xBF\xBD";  // U+FFFD

std::vector<std::string> split_words(const std::string& text, const std::string& pattern,
                                     SplitBehavior behavior, bool invert = false) {
  Regex regex(pattern, false, "test");
  std::vector<MatchSpan> matches;
  regex.find_all(text, matches);
  std::vector<std::string> words;
  for (const MatchSpan& s : apply_split_behavior(text.size(), matches, behavior, invert))
    if (s.end > s.begin) words.push_back(text.substr(s.begin, s.end - s.begin));
  return words;
}

}  // namespace

TEST_CASE("utf8: maximal-subpart replacement like Python's errors='replace'", "[tokenizer][utf8]") {
  // Expected values: Python bytes.decode("utf-8", "replace").
  CHECK(lossy("abc") == "abc");
  CHECK(lossy("a\x80z") == "a" + R + "z");
  CHECK(lossy("\xC3") == R);
  CHECK(lossy("\xE4\xB8") == R);                      // truncated 3-byte: one U+FFFD
  CHECK(lossy("\xF0\x9F\x98") == R);                  // truncated 4-byte: one U+FFFD
  CHECK(lossy("\xE0\x80\xAF") == R + R + R);          // overlong: each byte
  CHECK(lossy("\xED\xA0\x80") == R + R + R);          // surrogate: each byte
  CHECK(lossy("\xF4\x90\x80\x80") == R + R + R + R);  // above U+10FFFF
  CHECK(lossy("\xC0\xAF") == R + R);
  CHECK(lossy("\xE2\x82x") == R + "x");
  CHECK(lossy("\xFF\xFE") == R + R);
  CHECK(is_valid_utf8("h\xC3\xA9llo \xF0\x9F\x98\x80"));
  CHECK_FALSE(is_valid_utf8("0123456789abcdef\xC3"));
}

TEST_CASE("utf8: final prefix holds back only an unfinished valid sequence", "[tokenizer][utf8]") {
  CHECK(utf8_final_prefix("") == 0);
  CHECK(utf8_final_prefix("ab") == 2);
  CHECK(utf8_final_prefix("ab\xF0") == 2);
  CHECK(utf8_final_prefix("ab\xF0\x9F\x98") == 2);
  CHECK(utf8_final_prefix("ab\xF0\x9F\x98\x80") == 6);
  CHECK(utf8_final_prefix("ab\xF0\x41") == 4);  // F0 cannot be completed by 'A': final (U+FFFD A)
  CHECK(utf8_final_prefix("\xE0\x80") == 2);    // E0 80 is invalid at once
  CHECK(utf8_final_prefix("\x80") == 1);
}

TEST_CASE("byte-level alphabet is GPT-2's bytes_to_unicode", "[tokenizer]") {
  CHECK(byte_to_unicode(' ') == 0x120);
  CHECK(byte_to_unicode('\n') == 0x10A);
  CHECK(byte_to_unicode('a') == 'a');
  CHECK(byte_to_unicode(0x00) == 0x100);
  CHECK(byte_to_unicode(0xAD) == 0x143);
  CHECK(byte_to_unicode(0xFF) == 0xFF);
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    CHECK(byte_level_to_bytes(bytes_to_byte_level(one)) == one);
  }
  CHECK(byte_level_to_bytes("\xC4\xA0world") == std::string(" world"));
  CHECK_FALSE(byte_level_to_bytes("a b").has_value());  // a raw space is not in the alphabet
}

TEST_CASE("split behaviours follow tokenizers' documented example", "[tokenizer]") {
  const std::string text = "the-final--countdown";
  using V = std::vector<std::string>;
  CHECK(split_words(text, "-", SplitBehavior::kRemoved) == V{"the", "final", "countdown"});
  CHECK(split_words(text, "-", SplitBehavior::kIsolated) ==
        V{"the", "-", "final", "-", "-", "countdown"});
  CHECK(split_words(text, "-", SplitBehavior::kMergedWithPrevious) ==
        V{"the-", "final-", "-", "countdown"});
  CHECK(split_words(text, "-", SplitBehavior::kMergedWithNext) ==
        V{"the", "-final", "-", "-countdown"});
  CHECK(split_words(text, "-", SplitBehavior::kContiguous) ==
        V{"the", "-", "final", "--", "countdown"});
  CHECK(split_words(text, "[a-z]+", SplitBehavior::kRemoved, true) ==
        V{"the", "final", "countdown"});
}

TEST_CASE("regex: \\s is Unicode White_Space as in Oniguruma", "[tokenizer]") {
  CHECK(onig_to_pcre2("a\\sb").find("\\x{3000}") != std::string::npos);
  CHECK(onig_to_pcre2("[^\\s\\p{L}]").rfind("[^\\t", 0) == 0);
  CHECK(onig_to_pcre2("\\\\s") == "\\\\s");  // an escaped backslash followed by 's'
  CHECK(onig_to_pcre2("[]\\s]").find("\\x{85}") != std::string::npos);
  // U+180E (Mongolian vowel separator) is not White_Space; U+0085 and U+3000 are.
  CHECK(split_words("x\xE1\xA0\x8E!", "\\s+", SplitBehavior::kRemoved) ==
        std::vector<std::string>{"x\xE1\xA0\x8E!"});
  CHECK(split_words("x\xC2\x85y\xE3\x80\x80z", "\\s+", SplitBehavior::kRemoved) ==
        std::vector<std::string>{"x", "y", "z"});
}

TEST_CASE("normalizer: piecewise normalisation equals utf8proc on the whole text",
          "[tokenizer][normalizer]") {
  // Characters around the cut points: bases, combining marks (several classes), Hangul L/V/T
  // jamo and syllables, kana with voicing marks, CJK, compatibility characters, Latin-1.
  const std::vector<char32_t> pool = {
      'a',    'e',    'A',    ' ',    '\n',   '0',    0x00E9, 0x00C5, 0x00A0, 0x00BD,
      0x0300, 0x0301, 0x0308, 0x0323, 0x0328, 0x0345, 0x1100, 0x1161, 0x11A8, 0xAC00,
      0xAC01, 0x304B, 0x3099, 0x309A, 0x30AB, 0x4E2D, 0xFB01, 0x2126, 0x212B, 0x0344,
      0x0F73, 0x1E0A, 0x0958, 0x093C, 0x0915, 0x2000, 0x3000, 0xFF21};
  const std::vector<std::pair<Normalizer::Form, int>> forms = {
      {Normalizer::Form::kNfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE},
      {Normalizer::Form::kNfd, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE},
      {Normalizer::Form::kNfkc, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT},
      {Normalizer::Form::kNfkd, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT}};
  std::mt19937 rng(7);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) append_utf8(pool[rng() % pool.size()], text);
    for (const auto& [form, options] : forms) {
      std::string piecewise;
      Normalizer({form}).normalize(text, piecewise);
      utf8proc_uint8_t* whole = nullptr;
      const auto len = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                    static_cast<utf8proc_ssize_t>(text.size()), &whole,
                                    static_cast<utf8proc_option_t>(options));
      REQUIRE(len >= 0);
      const std::string expected(reinterpret_cast<const char*>(whole), static_cast<size_t>(len));
      std::free(whole);
      INFO("round " << round << " form " << static_cast<int>(form));
      REQUIRE(piecewise == expected);
    }
  }
}

TEST_CASE("regex: \\p{L} and \\p{N} include the letters and digits of Unicode 15 and 16",
          "[tokenizer]") {
  // U+31350 (CJK Ext H, Unicode 15) and U+16D43 (Kirat Rai, Unicode 16) are letters for
  // Oniguruma; U+10D40 (Garay digit zero, Unicode 16) is a number.
  using V = std::vector<std::string>;
  CHECK(split_words("a\xF0\xB1\x8D\x90"
                    "b!",
                    "\\p{L}+", SplitBehavior::kIsolated) == V{"a\xF0\xB1\x8D\x90"
                                                              "b",
                                                              "!"});
  CHECK(split_words("x\xF0\x96\xB5\x83!", "[^\\p{L}]+", SplitBehavior::kIsolated) ==
        V{"x\xF0\x96\xB5\x83", "!"});
  CHECK(split_words("a\xF0\x90\xB5\x80"
                    "b",
                    "\\pN", SplitBehavior::kIsolated) == V{"a", "\xF0\x90\xB5\x80", "b"});
  CHECK(split_words("a\xF0\x90\xB5\x80"
                    "b",
                    "\\P{N}+", SplitBehavior::kIsolated) == V{"a", "\xF0\x90\xB5\x80", "b"});
  CHECK(onig_to_pcre2("\\x{4E00}\\p{Lu}") == "\\x{4E00}\\p{Lu}");  // other escapes untouched
}

TEST_CASE("normalizer: characters tokenizers' older Unicode data leaves alone",
          "[tokenizer][normalizer]") {
  auto norm = [](Normalizer::Form form, const std::string& text) {
    std::string out;
    Normalizer({form}).normalize(text, out);
    return out;
  };
  const std::string reiwa = "\xE3\x8B\xBF";                            // U+32FF
  const std::string dives = "\xF0\x91\xA4\xB8";                        // U+11938
  const std::string dives_parts = "\xF0\x91\xA4\xB5\xF0\x91\xA4\xB0";  // U+11935 U+11930
  CHECK(norm(Normalizer::Form::kNfkc, "a" + reiwa + "b") == "a" + reiwa + "b");
  CHECK(norm(Normalizer::Form::kNfkd, reiwa) == reiwa);
  CHECK(norm(Normalizer::Form::kNfd, dives) == dives);
  CHECK(norm(Normalizer::Form::kNfc, dives_parts) == dives_parts);
  CHECK(norm(Normalizer::Form::kNfc, "e\xCC\x81" + dives_parts) == "\xC3\xA9" + dives_parts);
  CHECK(norm(Normalizer::Form::kNfkc, "\xEF\xAC\x81") == "fi");  // ordinary ones still apply
}
