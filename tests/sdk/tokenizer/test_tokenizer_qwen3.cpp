// The real Qwen3 tokenizer against Hugging Face `tokenizers` (fixtures from
// tools/golden/gen_tokenizer_fixtures.py) and the reference encodings of docs/models/qwen3.md §5.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "normalizer.h"
#include "pio/sdk/tokenizer.h"
#include "tokenizer_test_data.h"
#include "utf8.h"

using pio::test::qwen3_tokenizer;

namespace {

std::string nfc_of_repaired(const std::string& text) {
  std::string repaired;
  pio::tokenizer_detail::append_utf8_lossy(text, repaired);
  std::string out;
  pio::tokenizer_detail::Normalizer({pio::tokenizer_detail::Normalizer::Form::kNfc})
      .normalize(repaired, out);
  return out;
}

}  // namespace

TEST_CASE("qwen3 tokenizer: every corpus string gives the ids of HF tokenizers",
          "[tokenizer][qwen3]") {
  const auto& tok = qwen3_tokenizer();
  const auto cases = pio::test::load_encode_cases("qwen3_encode.json");
  REQUIRE(cases.size() > 100);
  size_t mismatches = 0;
  for (const auto& c : cases) {
    INFO("case " << c.name);
    pio::EncodeOptions options;
    options.parse_special_tokens = c.parse_special_tokens;
    const auto ids = tok.encode(c.text, options);
    CHECK(ids == c.ids);
    if (ids != c.ids) ++mismatches;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("qwen3 tokenizer: reference encodings of qwen3.md section 5", "[tokenizer][qwen3]") {
  const auto& tok = qwen3_tokenizer();
  CHECK(tok.encode("Hello, world!") == std::vector<int32_t>{9707, 11, 1879, 0});
  CHECK(tok.encode("<|im_start|>user\nWhat is 12345 + 678?<|im_end|>\n<|im_start|>assistant\n") ==
        std::vector<int32_t>{151644, 872, 198, 3838, 374, 220, 16,     17,  18,     19,    20,
                             488,    220, 21,  22,   23,  30,  151645, 198, 151644, 77091, 198});
  CHECK(tok.encode("<think>\n\n</think>\n\n") == std::vector<int32_t>{151667, 271, 151668, 271});
  CHECK(tok.encode("").empty());
}

TEST_CASE("qwen3 tokenizer: decode equals HF tokenizers, skip_special_tokens on and off",
          "[tokenizer][qwen3]") {
  const auto& tok = qwen3_tokenizer();
  const auto cases = pio::test::load_decode_cases("qwen3_decode.json");
  REQUIRE(cases.size() > 50);
  for (const auto& c : cases) {
    INFO("case " << c.name << " skip_special_tokens=" << c.skip_special_tokens);
    const std::string text = tok.decode(c.ids, c.skip_special_tokens);
    CHECK(text == c.text);
    CHECK(pio::test::valid_utf8(text));
  }
}

TEST_CASE("qwen3 tokenizer: decode(encode(text)) gives back the NFC text", "[tokenizer][qwen3]") {
  const auto& tok = qwen3_tokenizer();
  for (const auto& c : pio::test::load_encode_cases("qwen3_encode.json")) {
    INFO("case " << c.name);
    CHECK(tok.decode(tok.encode(c.text)) == nfc_of_repaired(c.text));
    // The committed ids decode to the same text, so the round trip does not hide an encode bug.
    CHECK(tok.decode(c.ids) == nfc_of_repaired(c.text));
  }
}

TEST_CASE("qwen3 tokenizer: vocabulary, added and special tokens", "[tokenizer][qwen3]") {
  const auto& tok = qwen3_tokenizer();
  CHECK(tok.vocab_size() == 151669);
  CHECK(tok.added_tokens().size() == 26);
  CHECK(tok.token_to_id("<|im_end|>") == 151645);
  CHECK(tok.token_to_id("<think>") == 151667);
  CHECK(tok.token_to_id("\xC4\xA0world") == 1879);  // "Ġworld"
  CHECK(tok.token_to_id("no such token") == std::nullopt);
  CHECK(tok.id_to_token(9707) == "Hello");
  CHECK(tok.id_to_token(151644) == "<|im_start|>");
  CHECK(tok.id_to_token(151669) == std::nullopt);
  CHECK(tok.id_to_token(-1) == std::nullopt);
  CHECK(tok.token_bytes(198) == "\n");
  CHECK(tok.token_bytes(1879) == " world");
  CHECK(tok.token_bytes(999999).empty());
  CHECK(tok.is_special(151643));
  CHECK(tok.is_special(151645));
  CHECK_FALSE(tok.is_special(151667));  // <think> is kept by skip_special_tokens
  CHECK_FALSE(tok.is_special(151657));  // <tool_call>
  CHECK_FALSE(tok.is_special(9707));
  CHECK(tok.eos_token_id() == 151645);
  CHECK(tok.pad_token_id() == 151643);
  CHECK(tok.bos_token_id() == std::nullopt);
  CHECK(tok.decode(std::vector<int32_t>{151667, 9707, 151668, 151645}, true) ==
        "<think>Hello</think>");
  CHECK(tok.decode(std::vector<int32_t>{151667, 9707, 151668, 151645}, false) ==
        "<think>Hello</think><|im_end|>");
}

TEST_CASE("qwen3 tokenizer: long and repetitive inputs", "[tokenizer][qwen3]") {
  const auto& tok = qwen3_tokenizer();
  // Long runs stress the regex engine's backtracking stack and the BPE merge loop.
  for (const std::string& text :
       {std::string(1 << 20, ' ') + "x", std::string(200000, 'a'), std::string(100000, '7'),
        std::string(50000, '\n') + "end", std::string(30000, '!'), [] {
          std::string s;
          for (int i = 0; i < 20000; ++i) s += "\xE4\xB8\xAD";  // 中
          return s;
        }()}) {
    const auto ids = tok.encode(text);
    CHECK(!ids.empty());
    CHECK(tok.decode(ids) == text);
  }
}

TEST_CASE("qwen3 tokenizer: concurrent encodes agree with a single thread", "[tokenizer][qwen3]") {
  const auto& tok = qwen3_tokenizer();
  const auto cases = pio::test::load_encode_cases("qwen3_encode.json");
  std::vector<std::vector<int32_t>> expected;
  for (const auto& c : cases) expected.push_back(c.ids);
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int round = 0; round < 200; ++round) {
        const size_t i = rng() % cases.size();
        pio::EncodeOptions options;
        options.parse_special_tokens = cases[i].parse_special_tokens;
        if (tok.encode(cases[i].text, options) != expected[i]) ++failures[static_cast<size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == std::vector<int>(4, 0));
}
