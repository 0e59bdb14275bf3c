// Python str semantics over UTF-8 (white-box tests of py_text.h).
#include <catch2/catch.hpp>

#include <cmath>

#include "py_text.h"

using namespace pio::jinja;

TEST_CASE("float repr follows CPython", "[chat_template][py_text]") {
  CHECK(py_float_repr(1.0) == "1.0");
  CHECK(py_float_repr(0.1) == "0.1");
  CHECK(py_float_repr(0.1 + 0.2) == "0.30000000000000004");
  CHECK(py_float_repr(1e16) == "1e+16");
  CHECK(py_float_repr(1.5e16) == "1.5e+16");
  CHECK(py_float_repr(1e15) == "1000000000000000.0");
  CHECK(py_float_repr(1e-4) == "0.0001");
  CHECK(py_float_repr(1e-5) == "1e-05");
  CHECK(py_float_repr(-2.5e-300) == "-2.5e-300");
  CHECK(py_float_repr(123.456) == "123.456");
  CHECK(py_float_repr(-0.0) == "-0.0");
  CHECK(py_float_repr(INFINITY) == "inf");
  CHECK(py_float_repr(std::nan("")) == "nan");
}

TEST_CASE("string repr picks quotes and escapes like CPython", "[chat_template][py_text]") {
  CHECK(py_repr_string("abc") == "'abc'");
  CHECK(py_repr_string("it's") == "\"it's\"");
  CHECK(py_repr_string("both ' and \"") == "'both \\' and \"'");
  CHECK(py_repr_string("a\nb\tc\\") == "'a\\nb\\tc\\\\'");
  CHECK(py_repr_string("\x01\x7f") == "'\\x01\\x7f'");
  CHECK(py_repr_string("é日本😀") == "'é日本😀'");
  CHECK(py_repr_string("\u00a0\u200b\u2028") == "'\\xa0\\u200b\\u2028'");
}

TEST_CASE("split, strip, case mapping work on code points", "[chat_template][py_text]") {
  std::string sep = ",";
  CHECK(py_split("a,b,,c", &sep, -1) == std::vector<std::string>{"a", "b", "", "c"});
  CHECK(py_split("a,b,c", &sep, 1) == std::vector<std::string>{"a", "b,c"});
  CHECK(py_split("  a \u3000 b\n", nullptr, -1) == std::vector<std::string>{"a", "b"});
  CHECK(py_split(" a b c ", nullptr, 1) == std::vector<std::string>{"a", "b c "});
  CHECK(py_rsplit("a,b,c", &sep, 1) == std::vector<std::string>{"a,b", "c"});
  CHECK(py_rsplit(" a b c ", nullptr, 1) == std::vector<std::string>{" a b", "c"});
  CHECK(py_strip("\u00a0 x \n", nullptr, true, true) == "x");
  std::string chars = "xé";
  CHECK(py_strip("éxaéx", &chars, true, true) == "a");
  CHECK(py_upper("straße é") == "STRASSE É");
  CHECK(py_lower("ÀB") == "àb");
  CHECK(py_title("hello wORLD 3rd") == "Hello World 3Rd");
  CHECK(py_capitalize("hELLO") == "Hello");
  CHECK(py_find("日本語", "語", false) == 2);
  CHECK(py_count("aaaa", "aa") == 2);
  CHECK(py_replace("abc", "", "-", -1) == "-a-b-c-");
  CHECK(utf8_length("日本😀") == 3);
  CHECK_FALSE(utf8_valid("\xed\xa0\x80"));  // a surrogate
  CHECK_FALSE(utf8_valid("\xc0\xaf"));      // overlong
  CHECK(utf8_valid("ok é 😀"));
}
