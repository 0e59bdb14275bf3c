// Every Unicode code point, in a few contexts, encodes as in HF tokenizers: the fixture keeps the
// count and FNV-1a hash of the ids per block of code points (qwen3_all_code_points.json, from
// tools/golden/gen_tokenizer_fixtures.py), so a mismatch names the block to look at.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer_test_data.h"
#include "utf8.h"

namespace {

uint64_t fnv1a_ids(const std::vector<int32_t>& ids) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (int32_t id : ids) {
    const auto v = static_cast<uint32_t>(id);
    for (int k = 0; k < 4; ++k) h = (h ^ ((v >> (8 * k)) & 0xFF)) * 0x100000001B3ull;
  }
  return h;
}

// Must match code_point_context() of the generator: "a{c}b !{c}! {c}{c} 1{c}\n".
void append_context(char32_t cp, std::string& text) {
  std::string c;
  pio::tokenizer_detail::append_utf8(cp, c);
  text += "a" + c + "b !" + c + "! " + c + c + " 1" + c + "\n";
}

}  // namespace

TEST_CASE("qwen3 tokenizer: every code point in context gives the ids of HF tokenizers",
          "[tokenizer][qwen3]") {
  const auto& tok = pio::test::qwen3_tokenizer();
  const std::string json =
      pio::test::read_text_file(pio::test::tokenizer_fixture("qwen3_all_code_points.json"));
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  REQUIRE(doc.IsObject());
  const auto chunk = static_cast<char32_t>(doc["chunk"].GetUint());
  const auto& chunks = doc["chunks"].GetArray();
  REQUIRE(chunks.Size() == 0x110000 / chunk);
  std::vector<uint32_t> mismatched_blocks;
  for (const auto& c : chunks) {
    const auto first = static_cast<char32_t>(c["first"].GetUint());
    std::string text;
    for (char32_t cp = first; cp < first + chunk; ++cp)
      if (cp < 0xD800 || cp > 0xDFFF) append_context(cp, text);
    const auto ids = tok.encode(text);
    const uint64_t expected = std::stoull(c["fnv1a"].GetString(), nullptr, 16);
    if (ids.size() != c["count"].GetUint64() || fnv1a_ids(ids) != expected)
      mismatched_blocks.push_back(first);
  }
  INFO("first code points of mismatching blocks (see tools/golden/gen_tokenizer_fixtures.py)");
  CHECK(mismatched_blocks.empty());
  for (uint32_t b : mismatched_blocks) WARN("block U+" << std::hex << b);
}
