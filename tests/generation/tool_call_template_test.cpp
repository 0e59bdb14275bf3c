// Tool calls as the real chat templates render them (Qwen3-Coder XML, Qwen3 JSON, GLM-4.7; from
// tools/golden/gen_tool_call_fixture.py) parse back into the original calls and content, whole
// and streamed through the thinking split and the tool-call parser in small pieces.
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "pio/generation/thinking_splitter.h"
#include "pio/generation/tool_call_parser.h"

namespace {

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  value.Accept(w);
  return buffer.GetString();
}

// What the generation loop does with an answer: thinking split, then tool calls, in pieces.
pio::ParsedToolCalls streamed(const std::string& text, const pio::ToolSchemas& schemas, size_t step,
                              bool starts_in_reasoning) {
  pio::ThinkingSplitter thinking(starts_in_reasoning);
  pio::ToolCallStreamParser tools(schemas);
  pio::ParsedToolCalls out;
  auto feed = [&](const std::string& content, bool last) {
    auto d = tools.push(content);
    out.content += d.content;
    out.calls.insert(out.calls.end(), d.calls.begin(), d.calls.end());
    if (last) {
      d = tools.flush();
      out.content += d.content;
      out.calls.insert(out.calls.end(), d.calls.begin(), d.calls.end());
    }
  };
  for (size_t i = 0; i < text.size(); i += step) feed(thinking.push(text.substr(i, step)).content, false);
  feed(thinking.flush().content, true);
  return out;
}

}  // namespace

TEST_CASE("template-rendered tool calls parse back into the original calls", "[tools][golden]") {
  std::ifstream in(std::string(PIO_GENERATION_DATA_DIR) + "/tool_call_reference.json");
  REQUIRE(in);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  REQUIRE(doc.IsObject());
  const pio::ToolSchemas schemas = pio::ToolSchemas::from_json(to_json(doc["tools"]));
  REQUIRE(doc["cases"].Size() == 15);
  for (const auto& c : doc["cases"].GetArray()) {
    INFO(c["name"].GetString());
    const std::string output = c["text"].GetString();
    for (size_t step : {output.size(), size_t{1}, size_t{3}, size_t{7}}) {
      INFO("piece size " << step);
      const pio::ParsedToolCalls parsed = streamed(output, schemas, step, c["starts_in_reasoning"].GetBool());
      CHECK(parsed.content == c["content"].GetString());
      REQUIRE(parsed.calls.size() == c["calls"].Size());
      for (rapidjson::SizeType i = 0; i < c["calls"].Size(); ++i) {
        const auto& expected = c["calls"][i];
        CHECK(parsed.calls[i].name == expected["name"].GetString());
        rapidjson::Document args;
        args.Parse(parsed.calls[i].arguments.c_str());
        INFO(parsed.calls[i].arguments << " vs " << to_json(expected["arguments"]));
        CHECK(args == expected["arguments"]);
      }
    }
  }
}
