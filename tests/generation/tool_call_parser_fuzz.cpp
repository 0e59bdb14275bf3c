// Fuzz target: the tool-call parser (whole and streamed in uneven pieces) on arbitrary bytes.
// Invariants: it never crashes or throws; every call's arguments are a JSON object; without any
// parsed call the content is the input itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <rapidjson/document.h>

#include "pio/generation/thinking_splitter.h"
#include "pio/generation/tool_call_parser.h"

namespace {

const pio::ToolSchemas& schemas() {
  static const pio::ToolSchemas s = pio::ToolSchemas::from_json(
      R"([{"type":"function","function":{"name":"f","parameters":{"properties":{)"
      R"("i":{"type":"integer"},"n":{"type":"number"},"b":{"type":"boolean"},)"
      R"("o":{"type":"object"},"a":{"type":"array"},"s":{"type":"string"}}}}}])");
  return s;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const pio::ParsedToolCalls whole = pio::parse_tool_calls(text, schemas());
  for (const pio::ToolCall& call : whole.calls) {
    rapidjson::Document doc;
    doc.Parse(call.arguments.c_str(), call.arguments.size());
    check(!doc.HasParseError() && doc.IsObject());
    check(!call.name.empty());
  }
  if (whole.calls.empty()) check(whole.content == text);

  // Streamed in pieces whose sizes come from the input: same result.
  pio::ToolCallStreamParser parser(schemas());
  pio::ParsedToolCalls streamed;
  size_t pos = 0;
  size_t i = 0;
  while (pos < text.size()) {
    const size_t step = 1 + (size > 0 ? data[i++ % size] % 7 : 0);
    auto d = parser.push(std::string_view(text).substr(pos, step));
    streamed.content += d.content;
    streamed.calls.insert(streamed.calls.end(), d.calls.begin(), d.calls.end());
    pos += step;
  }
  auto d = parser.flush();
  streamed.content += d.content;
  streamed.calls.insert(streamed.calls.end(), d.calls.begin(), d.calls.end());
  check(streamed.content == whole.content);
  check(streamed.calls == whole.calls);

  // The thinking splitter sees the same text in the generation loop.
  (void)pio::split_thinking(text, size % 2 == 1);
  return 0;
}
