#include "byte_level.h"

#include <array>
#include <cstdint>

#include "utf8.h"

namespace pio::tokenizer_detail {
namespace {

struct Alphabet {
  std::array<char32_t, 256> to_unicode{};
  std::array<int16_t, 324> to_byte{};  // indexed by code point; every mapped code point is < 324

  Alphabet() {
    to_byte.fill(-1);
    auto printable = [](int b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const char32_t cp = printable(b) ? static_cast<char32_t>(b) : next++;
      to_unicode[b] = cp;
      to_byte[cp] = static_cast<int16_t>(b);
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet table;
  return table;
}

}  // namespace

char32_t byte_to_unicode(unsigned char b) noexcept { return alphabet().to_unicode[b]; }

std::optional<std::string> byte_level_to_bytes(std::string_view token) {
  const Alphabet& table = alphabet();
  std::string bytes;
  bytes.reserve(token.size());
  size_t i = 0;
  while (i < token.size()) {
    const Utf8Step step = utf8_step(token.substr(i));
    if (step.kind != Utf8Step::kValid || step.code_point >= table.to_byte.size() ||
        table.to_byte[step.code_point] < 0) {
      return std::nullopt;
    }
    bytes.push_back(static_cast<char>(table.to_byte[step.code_point]));
    i += step.length;
  }
  return bytes;
}

std::string bytes_to_byte_level(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) append_utf8(byte_to_unicode(static_cast<unsigned char>(c)), out);
  return out;
}

}  // namespace pio::tokenizer_detail
