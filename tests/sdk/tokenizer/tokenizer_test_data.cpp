#include "tokenizer_test_data.h"

#include <rapidjson/document.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "utf8.h"

namespace pio::test {
namespace {

rapidjson::Document parse_fixture(const std::string& fixture) {
  const std::string text = read_text_file(tokenizer_fixture(fixture));
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("cases"))
    throw std::runtime_error("bad fixture " + fixture);
  return doc;
}

std::string string_of(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

std::vector<int32_t> ids_of(const rapidjson::Value& v) {
  std::vector<int32_t> ids;
  for (const auto& id : v.GetArray()) ids.push_back(id.GetInt());
  return ids;
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace

const Tokenizer& qwen3_tokenizer() {
  static const Tokenizer tokenizer = Tokenizer::from_directory(PIO_QWEN3_TOKENIZER_DIR);
  return tokenizer;
}

std::string tokenizer_fixture(const std::string& name) {
  return std::string(PIO_TOKENIZER_FIXTURES) + "/" + name;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool valid_utf8(const std::string& s) { return tokenizer_detail::is_valid_utf8(s); }

std::vector<EncodeCase> load_encode_cases(const std::string& fixture) {
  const rapidjson::Document doc = parse_fixture(fixture);
  std::vector<EncodeCase> cases;
  for (const auto& c : doc["cases"].GetArray()) {
    EncodeCase e;
    e.name = string_of(c["name"]);
    e.text = c.HasMember("hex") ? from_hex(string_of(c["hex"])) : string_of(c["text"]);
    e.ids = ids_of(c["ids"]);
    if (c.HasMember("parse_special_tokens"))
      e.parse_special_tokens = c["parse_special_tokens"].GetBool();
    cases.push_back(std::move(e));
  }
  return cases;
}

std::vector<DecodeCase> load_decode_cases(const std::string& fixture) {
  const rapidjson::Document doc = parse_fixture(fixture);
  std::vector<DecodeCase> cases;
  for (const auto& c : doc["cases"].GetArray())
    cases.push_back({string_of(c["name"]), ids_of(c["ids"]), c["skip_special_tokens"].GetBool(),
                     string_of(c["text"])});
  return cases;
}

std::vector<TinyCase> load_tiny_cases(const std::string& fixture) {
  const rapidjson::Document doc = parse_fixture(fixture);
  std::vector<TinyCase> cases;
  for (const auto& c : doc["cases"].GetArray())
    cases.push_back({string_of(c["text"]), ids_of(c["ids"]), string_of(c["decoded"]),
                     string_of(c["decoded_skip"])});
  return cases;
}

}  // namespace pio::test
