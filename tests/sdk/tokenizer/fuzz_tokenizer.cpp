// Fuzz target: the real Qwen3 tokenizer on arbitrary input.
//
// First byte: bit 0 set -> encode the rest as text (any bytes; invalid UTF-8 is replaced with
// U+FFFD, see tokenizer.h), bit 1 = parse_special_tokens. Bit 0 clear -> decode the rest as
// little-endian int32 ids (any values). Invariants (a violation traps):
//   * encoded ids are inside the vocabulary, decode output is valid UTF-8;
//   * for NFC input, decode(encode(text)) == text (after U+FFFD repair);
//   * the incremental detokenizer adds up to decode() and never emits invalid UTF-8.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "normalizer.h"
#include "pio/sdk/detokenizer.h"
#include "pio/sdk/tokenizer.h"
#include "utf8.h"

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

void check_stream(const pio::Tokenizer& tok, const std::vector<int32_t>& ids, bool skip) {
  const std::string full = tok.decode(ids, skip);
  require(pio::tokenizer_detail::is_valid_utf8(full));
  pio::IncrementalDetokenizer detok(tok, skip);
  std::string streamed;
  for (int32_t id : ids) {
    const std::string piece = detok.push(id);
    require(pio::tokenizer_detail::is_valid_utf8(piece));
    streamed += piece;
  }
  streamed += detok.finish();
  require(streamed == full);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pio::Tokenizer tok = pio::Tokenizer::from_directory(PIO_QWEN3_TOKENIZER_DIR);
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);

  if (mode & 1) {
    pio::EncodeOptions options;
    options.parse_special_tokens = (mode & 2) != 0;
    const std::vector<int32_t> ids = tok.encode(input, options);
    for (int32_t id : ids) require(id >= 0 && id < tok.vocab_size());
    std::string repaired;
    pio::tokenizer_detail::append_utf8_lossy(input, repaired);
    std::string nfc;
    pio::tokenizer_detail::Normalizer({pio::tokenizer_detail::Normalizer::Form::kNfc})
        .normalize(repaired, nfc);
    if (nfc == repaired) require(tok.decode(ids) == repaired);
    check_stream(tok, ids, (mode & 4) != 0);
  } else {
    std::vector<int32_t> ids(input.size() / 4);
    if (!ids.empty()) std::memcpy(ids.data(), input.data(), ids.size() * 4);
    check_stream(tok, ids, false);
    check_stream(tok, ids, true);
  }
  return 0;
}
