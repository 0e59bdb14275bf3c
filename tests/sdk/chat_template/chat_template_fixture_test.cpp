// Every real chat template, on every recorded conversation, renders byte for byte what jinja2
// rendered inside transformers (fixtures from tools/golden/gen_template_fixtures.py).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <rapidjson/document.h>

#include "pio/sdk/chat_template.h"
#include "pio/sdk/error.h"

namespace {

rapidjson::Document load_fixture(const std::string& name) {
  std::filesystem::path path = std::filesystem::path(PIO_CHAT_TEMPLATE_FIXTURES) / (name + ".json");
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(ss.str().c_str(), ss.str().size());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

std::string str(const rapidjson::Value& v) { return std::string(v.GetString(), v.GetStringLength()); }

// Where two renderings first differ, with some context, for a readable failure.
std::string first_difference(const std::string& got, const std::string& want) {
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  size_t from = i > 40 ? i - 40 : 0;
  return "first difference at byte " + std::to_string(i) + "\n  got:  ..." + got.substr(from, 100) +
         "\n  want: ..." + want.substr(from, 100);
}

void check_template_fixture(const std::string& name) {
  rapidjson::Document doc = load_fixture(name);
  pio::ChatTemplate tmpl(str(doc["source"]));
  int rendered = 0, raised = 0;
  for (const auto& c : doc["cases"].GetArray()) {
    std::string case_name = str(c["name"]);
    INFO(name << " / " << case_name);
    if (c.HasMember("expected")) {
      std::string want = str(c["expected"]);
      std::string got = tmpl.render(c["context"]);
      INFO((got == want ? std::string("identical") : first_difference(got, want)));
      CHECK(got == want);
      ++rendered;
    } else {
      // jinja2 raised: we must raise too; raise_exception() messages must match exactly.
      const auto& error = c["error"];
      bool threw = false;
      try {
        (void)tmpl.render(c["context"]);
      } catch (const pio::Error& e) {
        threw = true;
        if (str(error["type"]) == "TemplateError") CHECK(std::string(e.what()) == str(error["message"]));
      }
      CHECK(threw);
      ++raised;
    }
  }
  CHECK(rendered >= 20);
  CHECK(raised <= 5);
}

}  // namespace

TEST_CASE("Qwen3 template (tokenizer_config) matches jinja2", "[chat_template][fixture]") {
  check_template_fixture("qwen3");
}

TEST_CASE("Qwen3-Coder template matches jinja2", "[chat_template][fixture]") {
  check_template_fixture("qwen3_coder");
}

TEST_CASE("Qwen3.5 template matches jinja2", "[chat_template][fixture]") { check_template_fixture("qwen3_5"); }

TEST_CASE("GLM-4.6 template matches jinja2", "[chat_template][fixture]") { check_template_fixture("glm4_6"); }

TEST_CASE("GLM-4.7-Flash template matches jinja2", "[chat_template][fixture]") {
  check_template_fixture("glm4_7_flash");
}

TEST_CASE("apply() matches tokenizer.apply_chat_template for Qwen3", "[chat_template][fixture]") {
  rapidjson::Document doc = load_fixture("qwen3");
  pio::ChatTemplate tmpl(str(doc["source"]));
  int checked = 0;
  for (const auto& c : doc["apply_cases"].GetArray()) {
    INFO("qwen3 apply / " << str(c["name"]));
    pio::SpecialTokens special;
    for (const auto& m : c["special_tokens"].GetObject()) special.emplace_back(str(m.name), str(m.value));
    if (c.HasMember("expected")) {
      std::string want = str(c["expected"]);
      std::string got = tmpl.apply(c["request"], special);
      INFO((got == want ? std::string("identical") : first_difference(got, want)));
      CHECK(got == want);
      ++checked;
    } else {
      CHECK_THROWS_AS(tmpl.apply(c["request"], special), pio::Error);
    }
  }
  CHECK(checked >= 20);
}

TEST_CASE("Qwen3 template from tokenizer_config.json equals the .jinja fixture source", "[chat_template][fixture]") {
  // The loader reads the template the same way the fixture generator did.
  rapidjson::Document doc = load_fixture("qwen3");
  std::string config = R"({"bos_token": null, "eos_token": "<|im_end|>", "pad_token": {"content": "<|endoftext|>"},
                           "chat_template": [{"name": "default", "template": "A{{ eos_token }}"},
                                             {"name": "tool_use", "template": "B"}]})";
  pio::ChatTemplateSource src = pio::parse_tokenizer_config_template(config);
  CHECK(src.source == "A{{ eos_token }}");
  REQUIRE(src.special_tokens.size() == 2);
  CHECK(src.special_tokens[0] == std::make_pair(std::string("eos_token"), std::string("<|im_end|>")));
  CHECK(src.special_tokens[1] == std::make_pair(std::string("pad_token"), std::string("<|endoftext|>")));
  CHECK(pio::parse_tokenizer_config_template(config, "tool_use").source == "B");
  CHECK_THROWS_AS(pio::parse_tokenizer_config_template(config, "missing"), pio::Error);
  CHECK_FALSE(str(doc["source"]).empty());
}
