// Small trained byte-level BPE tokenizers with other settings than Qwen's (NFKC/NFD/NFKD,
// GPT-2 ByteLevel regex with prefix space, every Split behaviour, invert, lstrip/rstrip/
// single_word/normalized added tokens, TemplateProcessing, ignore_merges) against HF tokenizers.
#include <catch2/catch.hpp>
#include <string>

#include "pio/sdk/detokenizer.h"
#include "pio/sdk/tokenizer.h"
#include "tokenizer_test_data.h"

TEST_CASE("tiny tokenizers: ids and decode equal HF tokenizers", "[tokenizer]") {
  const std::string name = GENERATE(as<std::string>{}, "tiny_a", "tiny_b", "tiny_c");
  INFO("tokenizer " << name);
  const auto tok = pio::Tokenizer::from_file(pio::test::tokenizer_fixture(name + ".json"));
  const auto cases = pio::test::load_tiny_cases(name + "_cases.json");
  REQUIRE(cases.size() > 50);
  for (const auto& c : cases) {
    INFO("text " << c.text);
    const auto ids = tok.encode(c.text);
    CHECK(ids == c.ids);
    CHECK(tok.decode(c.ids, false) == c.decoded);
    CHECK(tok.decode(c.ids, true) == c.decoded_skip);
    pio::IncrementalDetokenizer stream(tok, true);
    std::string streamed;
    for (int32_t id : c.ids) streamed += stream.push(id);
    streamed += stream.finish();
    CHECK(streamed == c.decoded_skip);
  }
}

TEST_CASE("tiny tokenizers: add_special_tokens=false leaves out the template tokens",
          "[tokenizer]") {
  const auto tok = pio::Tokenizer::from_file(pio::test::tokenizer_fixture("tiny_a.json"));
  const auto with = tok.encode("hello world");
  pio::EncodeOptions options;
  options.add_special_tokens = false;
  const auto without = tok.encode("hello world", options);
  REQUIRE(with.size() == without.size() + 2);
  CHECK(with.front() == tok.token_to_id("<s>"));
  CHECK(with.back() == tok.token_to_id("</s>"));
  CHECK(std::vector<int32_t>(with.begin() + 1, with.end() - 1) == without);
}
