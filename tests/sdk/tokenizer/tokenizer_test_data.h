// Shared helpers of the tokenizer tests: fixture files and the real Qwen3 tokenizer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pio/sdk/tokenizer.h"

namespace pio::test {

// The Qwen3 tokenizer unpacked by target pio_test_data_qwen3_tokenizer, loaded once.
const Tokenizer& qwen3_tokenizer();

// Path of a file in tests/fixtures/tokenizer/.
std::string tokenizer_fixture(const std::string& name);

struct EncodeCase {
  std::string name;
  std::string text;  // raw bytes (from "text" or "hex")
  std::vector<int32_t> ids;
  bool parse_special_tokens = true;
};
struct DecodeCase {
  std::string name;
  std::vector<int32_t> ids;
  bool skip_special_tokens;
  std::string text;
};
struct TinyCase {
  std::string text;
  std::vector<int32_t> ids;
  std::string decoded, decoded_skip;
};

std::vector<EncodeCase> load_encode_cases(const std::string& fixture);
std::vector<DecodeCase> load_decode_cases(const std::string& fixture);
std::vector<TinyCase> load_tiny_cases(const std::string& fixture);

std::string read_text_file(const std::string& path);
bool valid_utf8(const std::string& s);

}  // namespace pio::test
