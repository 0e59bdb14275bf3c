// Errors: syntax and unsupported constructs name their line; runtime errors, raise_exception and
// hostile inputs (deep JSON, huge loops, huge strings, runaway recursion) are pio::Error, never a
// crash or a hang.
#include <catch2/catch.hpp>

#include <string>

#include "pio/sdk/chat_template.h"
#include "pio/sdk/error.h"

using Catch::Matchers::Contains;

namespace {

// The pio::Error a compile or render throws (fails the test if none).
pio::Error error_of(std::string_view source, std::string_view context = "{}", pio::ChatTemplateLimits limits = {}) {
  try {
    pio::ChatTemplate tmpl(source, limits);
    (void)tmpl.render(context);
  } catch (const pio::Error& e) {
    return e;
  }
  FAIL("no pio::Error for: " << source);
  return pio::Error(pio::ErrorCode::kInternal, "unreachable");
}

}  // namespace

TEST_CASE("unsupported constructs are rejected at compile time with their line", "[chat_template][errors]") {
  struct Case {
    const char* source;
    const char* line;
    const char* construct;
  };
  const Case cases[] = {
      {"a\nb\n{% include 'other.jinja' %}", "line 3", "include"},
      {"{% extends 'base' %}", "line 1", "extends"},
      {"x\n{% import 'm' as m %}", "line 2", "import"},
      {"\n\n\n{% call foo() %}x{% endcall %}", "line 4", "call"},
      {"{% for x in y recursive %}{{ loop(x) }}{% endfor %}", "line 1", "recursive"},
      {"{% block body %}{% endblock %}", "line 1", "block"},
      {"{{ f(*args) }}", "line 1", "*args"},
  };
  for (const auto& c : cases) {
    INFO(c.source);
    pio::Error e = error_of(c.source);
    CHECK(e.code() == pio::ErrorCode::kUnsupported);
    CHECK_THAT(e.what(), Contains(c.line) && Contains(c.construct));
  }
}

TEST_CASE("syntax errors name their line", "[chat_template][errors]") {
  struct Case {
    const char* source;
    const char* line;
    const char* what;
  };
  const Case cases[] = {
      {"ok\n{{ x | no_such_filter }}", "line 2", "no filter named 'no_such_filter'"},
      {"{% if x is no_such_test %}{% endif %}", "line 1", "no test named 'no_such_test'"},
      {"{% if x %}\nunclosed", "line 2", "'endif'"},
      {"{% for x in y %}{% endif %}", "line 1", "endif"},
      {"a\n\n{{ 'unterminated }}", "line 3", "unterminated string"},
      {"{{ (1 + 2 }}", "line 1", "expected ')'"},
      {"{# never closed", "line 1", "comment"},
      {"x\n{% frobnicate %}", "line 2", "unknown tag 'frobnicate'"},
      {"{% break %}", "line 1", "outside of a for loop"},
      {"{{ 1 + }}", "line 1", "unexpected"},
      {"{{ a ] }}", "line 1", "unexpected ']'"},
      {"{% set %}", "line 1", "expected a name"},
      {"{{ 'x' is string if true else 'no' }}", "line 1", "expected end of print statement"},
      {"{{ \"\\xZZ\" }}", "line 1", "escape"},
  };
  for (const auto& c : cases) {
    INFO(c.source);
    pio::Error e = error_of(c.source);
    CHECK(e.code() == pio::ErrorCode::kBadFormat);
    CHECK_THAT(e.what(), Contains(c.line) && Contains(c.what));
  }
}

TEST_CASE("raise_exception reports the template's message", "[chat_template][errors]") {
  pio::Error e = error_of("{% if not messages %}{{ raise_exception('No messages provided.') }}{% endif %}",
                          R"({"messages": []})");
  CHECK(e.code() == pio::ErrorCode::kInvalidArgument);
  CHECK(std::string(e.what()) == "No messages provided.");
}

TEST_CASE("runtime errors name the line", "[chat_template][errors]") {
  struct Case {
    const char* source;
    const char* context;
    const char* what;
  };
  const Case cases[] = {
      {"line1\n{{ missing.attr }}", "{}", "line 2: 'missing' is undefined"},
      {"\n\n{{ 'a' + 1 }}", "{}", "line 3: can only concatenate str"},
      {"{{ x.y.z }}", R"({"x": {}})", "'dict object' has no attribute 'y'"},
      {"{% for m in n %}{% endfor %}", R"({"n": null})", "'NoneType' object is not iterable"},
      {"{{ [].append(1) }}", "{}", "unsafe"},
      {"{{ 1 // 0 }}", "{}", "division"},
      {"{{ x|tojson }}", "{}", "not JSON serializable"},
      {"{{ 'a' < 1 }}", "{}", "not supported between"},
      {"{{ range(1000000)|length }}", "{}", "range too big"},
      {"{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", "{}", "takes not more than 1"},
      {"{% set x = 1 %}{% set x.y = 2 %}", "{}", "non-namespace"},
      {"{{ 'abc'.format(1) }}", "{}", "str.format() is not supported"},
      {"{{ 9223372036854775807 + 1 }}", "{}", "integer overflow"},
  };
  for (const auto& c : cases) {
    INFO(c.source);
    pio::Error e = error_of(c.source, c.context);
    CHECK(e.code() == pio::ErrorCode::kInvalidArgument);
    CHECK_THAT(e.what(), Contains(c.what));
  }
}

TEST_CASE("invalid contexts are rejected", "[chat_template][errors]") {
  CHECK_THAT(error_of("x", "[1, 2]").what(), Contains("JSON object"));
  CHECK_THAT(error_of("x", "{\"a\": ").what(), Contains("invalid JSON"));
  CHECK_THAT(error_of("x", "{\"a\": \"\xff\"}").what(), Contains("invalid JSON"));
  CHECK_THAT(error_of("x", "{} trailing").what(), Contains("invalid JSON"));
  CHECK_THAT(error_of("\xc3\x28").what(), Contains("UTF-8"));
}

TEST_CASE("hostile inputs hit limits, not the stack or the heap", "[chat_template][errors]") {
  SECTION("deeply nested JSON context") {
    std::string deep(100000, '[');
    deep = "{\"x\": " + deep + std::string(100000, ']') + "}";
    CHECK_THAT(error_of("{{ x }}", deep).what(), Contains("nested deeper"));
  }
  SECTION("deeply nested template expression") {
    std::string src = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
    CHECK_THAT(error_of(src).what(), Contains("too deeply"));
    std::string chain = "{{ 1";
    for (int i = 0; i < 5000; ++i) chain += " + 1";
    CHECK_THAT(error_of(chain + " }}").what(), Contains("too deeply"));
    std::string blocks;
    for (int i = 0; i < 500; ++i) blocks += "{% if true %}";
    CHECK_THAT(error_of(blocks).what(), Contains("too deeply"));
  }
  SECTION("runaway macro recursion") {
    CHECK_THAT(error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").what(), Contains("recursion"));
  }
  SECTION("huge loops stop at the step limit") {
    pio::ChatTemplateLimits limits;
    limits.max_steps = 100000;
    pio::Error e = error_of("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "{}", limits);
    CHECK_THAT(e.what(), Contains("step limit"));
  }
  SECTION("output and string sizes are bounded") {
    pio::ChatTemplateLimits limits;
    limits.max_output_bytes = 1000;
    CHECK_THAT(error_of("{% for i in range(2000) %}x{% endfor %}", "{}", limits).what(), Contains("output exceeds"));
    CHECK_THAT(error_of("{{ 'x' * 100000 }}", "{}", limits).what(), Contains("exceeds the limit"));
    CHECK_THAT(error_of("{% set ns = namespace(s='xx') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                        "{}", limits).what(),
               Contains("exceeds the limit"));
    CHECK_THAT(error_of("{{ 'ab' * 9223372036854775807 }}").what(), Contains("exceeds the limit"));
  }
  SECTION("object allocation is bounded") {
    pio::ChatTemplateLimits limits;
    limits.max_objects = 10000;
    CHECK_THAT(error_of("{% for i in range(100000) %}{% set x = [i, i] %}{% endfor %}", "{}", limits).what(),
               Contains("objects"));
  }
  SECTION("a namespace that contains itself prints without recursing forever") {
    CHECK_THAT(error_of("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}").what(), Contains("nested deeper"));
  }
}
