// One Jinja feature per template (tests/fixtures/chat_template/language.json, rendered by jinja2 in
// transformers' environment): whitespace control, loops, scoping, macros, filters, tests,
// operators, slicing, Python str()/repr() and json.dumps formatting, undefined handling.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <rapidjson/document.h>

#include "pio/sdk/chat_template.h"
#include "pio/sdk/error.h"

namespace {

std::string str(const rapidjson::Value& v) { return std::string(v.GetString(), v.GetStringLength()); }

std::string render(std::string_view source, std::string_view context = "{}") {
  return pio::ChatTemplate(source).render(context);
}

}  // namespace

TEST_CASE("language snippets render like jinja2", "[chat_template][language]") {
  std::ifstream in(std::filesystem::path(PIO_CHAT_TEMPLATE_FIXTURES) / "language.json", std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(ss.str().c_str(), ss.str().size());
  REQUIRE_FALSE(doc.HasParseError());
  int passed = 0, raised = 0;
  for (const auto& c : doc["cases"].GetArray()) {
    std::string source = str(c["source"]);
    INFO(str(c["name"]) << ": " << source);
    if (c.HasMember("expected")) {
      std::string got;
      try {
        got = pio::ChatTemplate(source).render(c["context"]);
      } catch (const pio::Error& e) {
        FAIL_CHECK("threw: " << e.what());
        continue;
      }
      CHECK(got == str(c["expected"]));
      ++passed;
    } else {
      const auto& err = c["error"];
      INFO("jinja2 raised " << str(err["type"]) << ": " << str(err["message"]));
      bool threw = false;
      try {
        pio::ChatTemplate(source).render(c["context"]);
      } catch (const pio::Error& e) {
        threw = true;
        if (str(err["type"]) == "TemplateError") CHECK(std::string(e.what()) == str(err["message"]));
      }
      CHECK(threw);
      ++raised;
    }
  }
  CHECK(passed >= 60);
  CHECK(raised >= 8);
}

TEST_CASE("render takes any JSON context keyword", "[chat_template][language]") {
  CHECK(render("{{ bos_token }}{{ messages[0].content }}{{ custom.x }}",
               R"({"bos_token": "<s>", "messages": [{"role": "user", "content": "hi"}], "custom": {"x": 3}})") ==
        "<s>hi3");
  // JSON numbers keep their Python type: 1 is int, 1.0 is float.
  CHECK(render("{{ i }} {{ f }} {{ i is integer }} {{ f is float }}", R"({"i": 1, "f": 1.0})") == "1 1.0 True True");
  // Dicts keep insertion order, as Python's do.
  CHECK(render("{{ d|tojson }}", R"({"d": {"b": 1, "a": 2, "c": 3}})") == R"({"b": 1, "a": 2, "c": 3})");
}

TEST_CASE("large dicts are looked up by key", "[chat_template][language]") {
  std::string ctx = "{\"d\": {";
  for (int i = 0; i < 100; ++i) ctx += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\": " + std::to_string(i * 7);
  ctx += "}}";
  CHECK(render("{{ d.k0 }} {{ d['k57'] }} {{ d.k99 }} {{ d|length }} {{ 'k42' in d }} {{ d.k100 is defined }}", ctx) ==
        "0 399 693 100 True False");
}

TEST_CASE("strftime_now formats the local time", "[chat_template][language]") {
  std::string year = render("{{ strftime_now('%Y') }}");
  REQUIRE(year.size() == 4);
  CHECK(std::stoi(year) >= 2024);
  CHECK(render("{{ strftime_now('%d %B %Y')|length > 8 }}") == "True");
}

TEST_CASE("a compiled template renders many contexts", "[chat_template][language]") {
  pio::ChatTemplate tmpl("{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}");
  for (int i = 0; i < 50; ++i) {
    std::string ctx = R"({"messages": [{"role": "user", "content": ")" + std::to_string(i) + R"("}]})";
    CHECK(tmpl.render(ctx) == "<user>" + std::to_string(i));
  }
  pio::ChatTemplate moved = std::move(tmpl);
  CHECK(moved.render(R"({"messages": []})").empty());
}

TEST_CASE("one compiled template renders concurrently", "[chat_template][language]") {
  const pio::ChatTemplate tmpl(
      "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + m.content|length %}"
      "{{ m.role|upper }}:{{ m.content }};{% endfor %}{{ ns.n }}");
  std::vector<std::string> results(8);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      std::string ctx = R"({"messages": [{"role": "user", "content": ")" + std::string(t + 1, 'x') +
                        R"("}, {"role": "assistant", "content": "ok"}]})";
      for (int i = 0; i < 200; ++i) results[t] = tmpl.render(ctx);
    });
  }
  for (auto& th : threads) th.join();
  for (size_t t = 0; t < results.size(); ++t) {
    CHECK(results[t] == "USER:" + std::string(t + 1, 'x') + ";ASSISTANT:ok;" + std::to_string(t + 3));
  }
}

TEST_CASE("apply() normalises messages like transformers", "[chat_template][language]") {
  const pio::ChatTemplate tmpl(
      "{% for m in messages %}{{ m|tojson }}|{% endfor %}{{ tools }}|{{ documents }}|{{ add_generation_prompt }}|"
      "{{ eos_token }}|{{ extra }}");
  std::string got = tmpl.apply(
      R"({"messages": [{"role": "assistant", "content": null, "reasoning": "why", "tool_calls": null}],
          "extra": 5, "eos_token": "<override>"})",
      {{"eos_token", "<|im_end|>"}, {"pad_token", "<|endoftext|>"}});
  CHECK(got == R"({"thinking": "why", "role": "assistant", "reasoning": "why", "reasoning_content": "why"}|None|None|False|<override>|5)");
  CHECK_THROWS_AS(tmpl.apply(R"({"messages": []})", {}), pio::Error);
  CHECK_THROWS_AS(tmpl.apply(R"({"messages": [{"role": "user", "content": "x"}], "continue_final_message": true})", {}),
                  pio::Error);
}
