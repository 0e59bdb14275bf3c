// TextFrontend: the text side of a model directory (tokenizer, chat template, special tokens).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "pio/sdk/error.h"
#include "pio/sdk/text_frontend.h"

namespace fs = std::filesystem;

namespace {

struct TempModelDir {
  fs::path path = fs::temp_directory_path() / ("pio_text_frontend_" + std::to_string(::getpid()));
  TempModelDir() { fs::create_directories(path); }
  ~TempModelDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
  }
};

pio::DecoderDims dims_with_eos(int64_t eos) {
  pio::DecoderDims dims;
  dims.eos_token_ids = {eos};
  return dims;
}

}  // namespace

TEST_CASE("a directory without tokenizer or template still loads", "[text_frontend]") {
  TempModelDir dir;
  auto frontend = pio::sdk::TextFrontend::load(dir.path, dims_with_eos(7));
  CHECK_FALSE(frontend.has_tokenizer());
  CHECK_FALSE(frontend.has_chat_template());
  CHECK(frontend.special_tokens().eos == std::vector<pio_token>{7});
  CHECK_THROWS_WITH(frontend.tokenize("hi", false), Catch::Contains("tokenizer.json"));
  CHECK_THROWS_WITH(frontend.render_chat("[]", "{}"), Catch::Contains("chat template"));
}

TEST_CASE("OpenAI-style string tool-call arguments reach the template as a mapping",
          "[text_frontend]") {
  TempModelDir dir;
  dir.write("chat_template.jinja",
            "{% for m in messages %}{% for c in m.tool_calls %}{{ c.function.name }}("
            "{% for k, v in c.function.arguments|items %}{{ k }}={{ v }};{% endfor %})"
            "{% endfor %}{% endfor %}");
  auto frontend = pio::sdk::TextFrontend::load(dir.path, dims_with_eos(1));
  REQUIRE(frontend.has_chat_template());
  const std::string messages = R"([{"role": "assistant", "content": null, "tool_calls": [
      {"id": "call_1", "type": "function",
       "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\", \"days\": 3}"}}]}])";
  CHECK(frontend.render_chat(messages, "{}") == "get_weather(city=Paris;days=3;)");
}

TEST_CASE("malformed chat JSON is a clear error", "[text_frontend]") {
  TempModelDir dir;
  dir.write("chat_template.jinja", "{{ messages|length }}");
  auto frontend = pio::sdk::TextFrontend::load(dir.path, dims_with_eos(1));
  try {
    frontend.render_chat("[{\"role\": ", "{}");
    FAIL("malformed messages were accepted");
  } catch (const pio::Error& e) {
    CHECK(e.code() == pio::ErrorCode::kBadFormat);
    CHECK_THAT(e.what(), Catch::Contains("chat messages"));
  }
  CHECK_THROWS_AS(frontend.render_chat("[]", "[1]"), pio::Error);
}

TEST_CASE("hostile nesting is an error, not a stack overflow", "[text_frontend]") {
  TempModelDir dir;
  dir.write("chat_template.jinja", "{{ messages|length }}");
  auto frontend = pio::sdk::TextFrontend::load(dir.path, dims_with_eos(1));
  const std::string deep(200000, '[');
  CHECK_THROWS_AS(frontend.render_chat(deep, "{}"), pio::Error);
  const std::string deep_closed = std::string(100000, '[') + std::string(100000, ']');
  CHECK_THROWS_AS(frontend.render_chat("[" + deep_closed + "]", "{}"), pio::Error);
  std::string deep_arguments = "\"" + std::string(5000, '[') + std::string(5000, ']') + "\"";
  const std::string messages = R"([{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": )" +
                               deep_arguments + "}}]}]";
  CHECK(frontend.render_chat(messages, "{}") == "1");
}
