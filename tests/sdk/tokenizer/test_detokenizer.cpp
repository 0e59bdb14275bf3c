// IncrementalDetokenizer: the streamed pieces are valid UTF-8 and add up to decode().
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "byte_level.h"
#include "pio/sdk/detokenizer.h"
#include "pio/sdk/tokenizer.h"
#include "tokenizer_test_data.h"

using pio::test::qwen3_tokenizer;

namespace {

// Streams `ids`; checks every piece is valid UTF-8 and at most 3 bytes wait. Returns the total.
std::string stream(const pio::Tokenizer& tok, const std::vector<int32_t>& ids, bool skip) {
  pio::IncrementalDetokenizer detok(tok, skip);
  std::string total;
  for (int32_t id : ids) {
    const std::string piece = detok.push(id);
    CHECK(pio::test::valid_utf8(piece));
    CHECK(detok.pending_bytes() <= 3);
    total += piece;
  }
  const std::string rest = detok.finish();
  CHECK(pio::test::valid_utf8(rest));
  CHECK(detok.pending_bytes() == 0);
  return total + rest;
}

int32_t byte_token(const pio::Tokenizer& tok, unsigned char b) {
  const std::string one(1, static_cast<char>(b));
  return *tok.token_to_id(pio::tokenizer_detail::bytes_to_byte_level(one));
}

}  // namespace

TEST_CASE("detokenizer: equals decode on every fixture", "[tokenizer][detokenizer]") {
  const auto& tok = qwen3_tokenizer();
  for (const auto& c : pio::test::load_encode_cases("qwen3_encode.json")) {
    INFO("encode case " << c.name);
    for (bool skip : {false, true}) CHECK(stream(tok, c.ids, skip) == tok.decode(c.ids, skip));
  }
  for (const auto& c : pio::test::load_decode_cases("qwen3_decode.json")) {
    INFO("decode case " << c.name);
    CHECK(stream(tok, c.ids, c.skip_special_tokens) == c.text);
  }
}

TEST_CASE("detokenizer: holds back a split character and emits it whole",
          "[tokenizer][detokenizer]") {
  const auto& tok = qwen3_tokenizer();
  pio::IncrementalDetokenizer detok(tok);
  // 😀 = F0 9F 98 80, fed as four byte tokens.
  CHECK(detok.push(byte_token(tok, 0xF0)).empty());
  CHECK(detok.push(byte_token(tok, 0x9F)).empty());
  CHECK(detok.push(byte_token(tok, 0x98)).empty());
  CHECK(detok.pending_bytes() == 3);
  CHECK(detok.push(byte_token(tok, 0x80)) == "\xF0\x9F\x98\x80");
  // A byte that can never start a character comes out as U+FFFD at once.
  CHECK(detok.push(byte_token(tok, 0x80)) == "\xEF\xBF\xBD");
  // An unfinished sequence broken by the next token: U+FFFD then the token.
  CHECK(detok.push(byte_token(tok, 0xE4)).empty());
  CHECK(detok.push(9707) == "\xEF\xBF\xBDHello");
  // Unfinished at the end of the stream.
  CHECK(detok.push(byte_token(tok, 0xE4)).empty());
  CHECK(detok.finish() == "\xEF\xBF\xBD");
  // Special tokens are left out only when asked to.
  CHECK(detok.push(151645) == "<|im_end|>");
  pio::IncrementalDetokenizer skipping(tok, true);
  CHECK(skipping.push(151645).empty());
  CHECK(skipping.push(151667) == "<think>");
  CHECK(skipping.push(-5).empty());
  CHECK(skipping.push(100000000).empty());
}

TEST_CASE("detokenizer: random id sequences", "[tokenizer][detokenizer]") {
  const auto& tok = qwen3_tokenizer();
  std::mt19937 rng(20260101);
  for (int round = 0; round < 300; ++round) {
    std::vector<int32_t> ids;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      switch (rng() % 4) {
        case 0:
          ids.push_back(byte_token(tok, static_cast<unsigned char>(rng() % 256)));
          break;
        case 1:
          ids.push_back(151643 + static_cast<int32_t>(rng() % 26));
          break;
        default:
          ids.push_back(static_cast<int32_t>(rng() % 151643));
          break;
      }
    }
    const bool skip = rng() % 2;
    CHECK(stream(tok, ids, skip) == tok.decode(ids, skip));
  }
}
