// Tool-call parsing: Qwen3-Coder XML and Qwen3 JSON, schema typing, malformed and truncated text.
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "pio/generation/tool_call_parser.h"
#include "pio/sdk/error.h"

using pio::parse_tool_calls;
using pio::ToolCall;
using pio::ToolCallStreamParser;
using pio::ToolSchemas;

namespace {

const char* kTools = R"([
  {"type": "function", "function": {"name": "get_weather", "description": "d",
    "parameters": {"type": "object", "properties": {
      "city": {"type": "string"}, "days": {"type": "integer"}, "precise": {"type": "boolean"},
      "threshold": {"type": "number"}, "options": {"type": "object"},
      "tags": {"type": "array", "items": {"type": "string"}},
      "zip": {"type": ["string", "null"]}, "limit": {"type": ["null", "integer"]},
      "mode": {"anyOf": [{"type": "null"}, {"type": "number"}]}, "free": {}},
      "required": ["city"]}}},
  {"type": "function", "function": {"name": "run_shell", "parameters": {"type": "object",
    "properties": {"command": {"type": "string"}}}}}
])";

ToolSchemas schemas() { return ToolSchemas::from_json(kTools); }

// Streams text through the parser in `step`-byte pieces.
pio::ParsedToolCalls streamed(const std::string& text, size_t step) {
  ToolCallStreamParser parser(schemas());
  pio::ParsedToolCalls out;
  for (size_t i = 0; i < text.size(); i += step) {
    auto d = parser.push(text.substr(i, step));
    out.content += d.content;
    out.calls.insert(out.calls.end(), d.calls.begin(), d.calls.end());
  }
  auto d = parser.flush();
  out.content += d.content;
  out.calls.insert(out.calls.end(), d.calls.begin(), d.calls.end());
  return out;
}

void check_all_splits(const std::string& text) {
  const auto whole = parse_tool_calls(text, schemas());
  for (size_t step = 1; step <= 13; ++step) {
    const auto s = streamed(text, step);
    REQUIRE(s.content == whole.content);
    REQUIRE(s.calls == whole.calls);
  }
}

}  // namespace

TEST_CASE("Qwen3-Coder XML call, typed by the schema", "[tools]") {
  const std::string text =
      "I will check.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nSan Francisco\n"
      "</parameter>\n<parameter=days>\n3\n</parameter>\n<parameter=precise>\nTrue\n</parameter>\n"
      "<parameter=threshold>\n-2.5e1\n</parameter>\n<parameter=zip>\n02134\n</parameter>\n"
      "<parameter=limit>\n10\n</parameter>\n<parameter=mode>\n7\n</parameter>\n"
      "</function>\n</tool_call>";
  const auto r = parse_tool_calls(text, schemas());
  CHECK(r.content == "I will check.");
  REQUIRE(r.calls.size() == 1);
  CHECK(r.calls[0].name == "get_weather");
  CHECK(r.calls[0].arguments ==
        R"({"city":"San Francisco","days":3,"precise":true,"threshold":-25.0,"zip":"02134",)"
        R"("limit":10,"mode":7})");
  check_all_splits(text);
}

TEST_CASE("XML object/array values are parsed JSON; strings stay verbatim", "[tools]") {
  const std::string text =
      "<tool_call>\n<function=get_weather>\n<parameter=city>\n  line one\nline \"two\" <b>\n\n"
      "</parameter>\n<parameter=options>\n{\"units\": {\"temp\": \"C\", \"list\": [1, 2, {\"x\": null}]}}\n"
      "</parameter>\n<parameter=tags>\n[\"a\", \"b\"]\n</parameter>\n<parameter=free>\nnot typed\n"
      "</parameter>\n</function>\n</tool_call>";
  const auto r = parse_tool_calls(text, schemas());
  REQUIRE(r.calls.size() == 1);
  rapidjson::Document args;
  args.Parse(r.calls[0].arguments.c_str());
  REQUIRE(args.IsObject());
  CHECK(std::string(args["city"].GetString()) == "  line one\nline \"two\" <b>\n");
  CHECK(std::string(args["options"]["units"]["temp"].GetString()) == "C");
  CHECK(args["options"]["units"]["list"][2]["x"].IsNull());
  CHECK(args["tags"].Size() == 2);
  CHECK(std::string(args["free"].GetString()) == "not typed");
  CHECK(r.content.empty());
}

TEST_CASE("values that do not parse as their type stay text", "[tools]") {
  const auto r = parse_tool_calls(
      "<tool_call>\n<function=get_weather>\n<parameter=days>\nthree\n</parameter>\n"
      "<parameter=precise>\nmaybe\n</parameter>\n<parameter=options>\n{broken\n</parameter>\n"
      "<parameter=threshold>\nnan\n</parameter>\n<parameter=limit>\nnull\n</parameter>\n"
      "</function>\n</tool_call>",
      schemas());
  REQUIRE(r.calls.size() == 1);
  CHECK(r.calls[0].arguments ==
        R"({"days":"three","precise":"maybe","options":"{broken","threshold":"nan","limit":null})");
}

TEST_CASE("several calls in one output; content before and after is kept", "[tools]") {
  const std::string text =
      "Checking both.\n\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
      "</function>\n</tool_call>\n<tool_call>\n<function=run_shell>\n<parameter=command>\nls -la | "
      "grep x\n</parameter>\n</function>\n</tool_call>\nDone.";
  const auto r = parse_tool_calls(text, schemas());
  REQUIRE(r.calls.size() == 2);
  CHECK(r.calls[0] == ToolCall{"get_weather", R"({"city":"Paris"})"});
  CHECK(r.calls[1] == ToolCall{"run_shell", R"({"command":"ls -la | grep x"})"});
  CHECK(r.content == "Checking both.\nDone.");
  check_all_splits(text);
}

TEST_CASE("Qwen3 JSON calls, nested arguments", "[tools]") {
  const std::string text =
      "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\", \"options\": "
      "{\"nested\": {\"deep\": [1, 2.5, \"x\", {\"k\": true}]}}}}\n</tool_call>\n<tool_call>\n"
      "{\"name\": \"run_shell\", \"arguments\": \"{\\\"command\\\": \\\"pwd\\\"}\"}\n</tool_call>";
  const auto r = parse_tool_calls(text, schemas());
  REQUIRE(r.calls.size() == 2);
  CHECK(r.calls[0].name == "get_weather");
  CHECK(r.calls[0].arguments ==
        R"({"city":"Zürich","options":{"nested":{"deep":[1,2.5,"x",{"k":true}]}}})");
  CHECK(r.calls[1] == ToolCall{"run_shell", R"({"command":"pwd"})"});
  CHECK(r.content.empty());
  check_all_splits(text);
  CHECK(parse_tool_calls("<tool_call>{\"name\": \"f\"}</tool_call>").calls[0].arguments == "{}");
}

TEST_CASE("truncated calls come back as plain content", "[tools]") {
  const std::string cut = "Sure.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nPar";
  const auto r = parse_tool_calls(cut, schemas());
  CHECK(r.calls.empty());
  CHECK(r.content == cut);
  check_all_splits(cut);
  const auto partial_tag = parse_tool_calls("answer <tool_ca", schemas());
  CHECK(partial_tag.content == "answer <tool_ca");
  // A complete call followed by a truncated one keeps the first.
  const auto mixed = parse_tool_calls(
      "<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"b\"",
      schemas());
  REQUIRE(mixed.calls.size() == 1);
  CHECK(mixed.content == "<tool_call>\n{\"name\": \"b\"");
}

TEST_CASE("garbage inside tool_call tags is plain content, unchanged", "[tools]") {
  const std::vector<std::string> garbage = {
      "x <tool_call>hello</tool_call> y",
      "<tool_call>\n{\"name\": 3, \"arguments\": {}}\n</tool_call>",
      "<tool_call>\n{\"name\": \"f\", \"arguments\": [1]}\n</tool_call>",
      "<tool_call>\n{\"name\": \"f\", \"arguments\": {}} trailing\n</tool_call>",
      "<tool_call>\n<function=>\n</function>\n</tool_call>",
      "<tool_call>\n<function=f\n<parameter=a>1</parameter></function>\n</tool_call>",
      "<tool_call>\n<function=f>\nstray text\n</function>\n</tool_call>",
      "<tool_call></tool_call>",
      "</tool_call> <function=f></function>",
  };
  for (const std::string& text : garbage) {
    INFO(text);
    const auto r = parse_tool_calls(text, schemas());
    CHECK(r.calls.empty());
    CHECK(r.content == text);
    check_all_splits(text);
  }
}

TEST_CASE("lenient XML: missing </parameter> and </function>", "[tools]") {
  const auto r = parse_tool_calls(
      "<tool_call>\n<function=get_weather>\n<parameter=city>\nRome\n<parameter=days>\n2\n"
      "</tool_call>",
      schemas());
  REQUIRE(r.calls.size() == 1);
  CHECK(r.calls[0].arguments == R"({"city":"Rome","days":2})");
}

TEST_CASE("without schemas every XML value is a string", "[tools]") {
  const auto r = parse_tool_calls(
      "<tool_call>\n<function=unknown_tool>\n<parameter=n>\n5\n</parameter>\n</function>\n</tool_call>");
  REQUIRE(r.calls.size() == 1);
  CHECK(r.calls[0].arguments == R"({"n":"5"})");
}

TEST_CASE("tool schema JSON errors name the element", "[tools]") {
  CHECK_THROWS_WITH(ToolSchemas::from_json("{"), Catch::Contains("malformed JSON"));
  CHECK_THROWS_WITH(ToolSchemas::from_json("{}"), Catch::Contains("array"));
  CHECK_THROWS_WITH(ToolSchemas::from_json(R"([{"function": {"name": "a"}}, {"function": {}}])"),
                    Catch::Contains("tools[1]"));
  const ToolSchemas s = schemas();
  CHECK(s.size() == 2);
  CHECK(s.parameter_type("get_weather", "days") == "integer");
  CHECK(s.parameter_type("get_weather", "zip") == "string");
  CHECK(s.parameter_type("get_weather", "limit") == "integer");
  CHECK(s.parameter_type("get_weather", "mode") == "number");
  CHECK(s.parameter_type("get_weather", "free").empty());
  CHECK(s.parameter_type("nope", "x").empty());
}

TEST_CASE("GLM-4.x tool calls: arg_key/arg_value pairs, JSON unless the schema says string", "[tools]") {
  const std::string text =
      "Checking.<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Beijing 北京</arg_value>\n"
      "<arg_key>days</arg_key><arg_value>5</arg_value><arg_key>options</arg_key>"
      "<arg_value>{\"units\": [\"C\", null]}</arg_value><arg_key>zip</arg_key><arg_value>007</arg_value>"
      "</tool_call><tool_call>run_shell</tool_call>";
  const auto r = parse_tool_calls(text, schemas());
  CHECK(r.content == "Checking.");
  REQUIRE(r.calls.size() == 2);
  CHECK(r.calls[0] == ToolCall{"get_weather", R"({"city":"Beijing 北京","days":5,"options":{"units":["C",null]},"zip":"007"})"});
  CHECK(r.calls[1] == ToolCall{"run_shell", "{}"});
  check_all_splits(text);
  // Unknown bare words and unknown names with offered tools stay text; broken pairs too.
  for (const std::string bad : {"<tool_call>hello</tool_call>",
                                "<tool_call>nope<arg_key>a</arg_key><arg_value>1</arg_value></tool_call>",
                                "<tool_call>get_weather<arg_key>a</arg_key></tool_call>",
                                "<tool_call>get_weather<arg_value>1</arg_value></tool_call>"}) {
    INFO(bad);
    const auto b = parse_tool_calls(bad, schemas());
    CHECK(b.calls.empty());
    CHECK(b.content == bad);
  }
  // Without schemas a named call with arguments is accepted and values are JSON where they parse.
  const auto loose = parse_tool_calls("<tool_call>f<arg_key>n</arg_key><arg_value>2</arg_value></tool_call>");
  REQUIRE(loose.calls.size() == 1);
  CHECK(loose.calls[0].arguments == R"({"n":2})");
}
