// Incremental detokenisation: deltas are whole UTF-8 and add up to the full decode.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pio/generation/incremental_detokenizer.h"

using pio::IncrementalDetokenizer;

namespace {

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

// Byte pieces: "你" = E4 BD A0 split in three, "🙂" = F0 9F 99 82 split in two.
const std::vector<std::string> kVocab = {"Hello", " ", "\xE4", "\xBD", "\xA0", "\xF0\x9F", "\x99\x82", "!", "\xEF\xBF\xBD"};

std::string decode(std::span<const int32_t> ids) {
  std::string s;
  for (int32_t id : ids) s += kVocab[static_cast<size_t>(id)];
  return s;
}

}  // namespace

TEST_CASE("incomplete UTF-8 tails are measured", "[detokenizer]") {
  CHECK(pio::incomplete_utf8_tail("abc") == 0);
  CHECK(pio::incomplete_utf8_tail("a\xE4") == 1);
  CHECK(pio::incomplete_utf8_tail("a\xE4\xBD") == 2);
  CHECK(pio::incomplete_utf8_tail("a\xE4\xBD\xA0") == 0);
  CHECK(pio::incomplete_utf8_tail("\xF0\x9F\x99") == 3);
  CHECK(pio::incomplete_utf8_tail("") == 0);
}

TEST_CASE("deltas never split a character and add up to the whole text", "[detokenizer]") {
  const std::vector<int32_t> ids = {0, 1, 2, 3, 4, 1, 5, 6, 7, 2, 3, 4, 5, 6};
  IncrementalDetokenizer detok(decode);
  std::string joined;
  std::vector<std::string> deltas;
  for (int32_t id : ids) {
    std::string d = detok.push(id);
    CHECK(valid_utf8(d));
    if (!d.empty()) deltas.push_back(d);
    joined += d;
  }
  joined += detok.flush();
  CHECK(joined == decode(ids));
  CHECK(deltas == std::vector<std::string>{"Hello", " ", "你", " ", "🙂", "!", "你", "🙂"});
}

TEST_CASE("a decoder that prints U+FFFD for a partial character is held too", "[detokenizer]") {
  // This decoder renders an unfinished sequence as U+FFFD, as errors="replace" does.
  auto replacing = [](std::span<const int32_t> ids) {
    std::string s = decode(ids);
    const size_t tail = pio::incomplete_utf8_tail(s);
    if (tail > 0) s.replace(s.size() - tail, tail, "\xEF\xBF\xBD");
    return s;
  };
  IncrementalDetokenizer detok(replacing);
  CHECK(detok.push(0) == "Hello");
  CHECK(detok.push(2).empty());
  CHECK(detok.push(3).empty());
  CHECK(detok.push(4) == "你");
  CHECK(detok.push(5).empty());
  CHECK(detok.flush() == "\xEF\xBF\xBD");  // never finished: the decoder's rendering comes out
}

TEST_CASE("long outputs decode in a bounded window", "[detokenizer]") {
  size_t longest = 0;
  auto counting = [&](std::span<const int32_t> ids) {
    longest = std::max(longest, ids.size());
    return decode(ids);
  };
  IncrementalDetokenizer detok(counting);
  std::string joined;
  for (int i = 0; i < 1000; ++i) joined += detok.push(i % 2 == 0 ? 0 : 1);
  joined += detok.flush();
  CHECK(joined.size() == 500 * 6);
  CHECK(longest <= 8);
}

TEST_CASE("prompt context keeps a leading space that a decoder drops at the start", "[detokenizer]") {
  // SentencePiece style: pieces carry their leading space, and a decoded text loses the space
  // at its very start.
  const std::vector<std::string> pieces = {" Hello", " world", "!"};
  auto sentencepiece = [&](std::span<const int32_t> ids) {
    std::string s;
    for (int32_t id : ids) s += pieces[static_cast<size_t>(id)];
    if (!s.empty() && s.front() == ' ') s.erase(0, 1);
    return s;
  };
  IncrementalDetokenizer without(sentencepiece);
  CHECK(without.push(1) == "world");  // what a context-free decode gets wrong
  const std::vector<int32_t> prompt = {0};
  IncrementalDetokenizer with(sentencepiece, prompt);
  CHECK(with.push(1) == " world");
  CHECK(with.push(2) == "!");
  CHECK(with.flush().empty());
  CHECK(with.ids().size() == 2);
}
