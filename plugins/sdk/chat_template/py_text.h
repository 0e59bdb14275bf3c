// Python `str` semantics over UTF-8 std::string: code points, whitespace, case mapping, repr.
//
// Chat templates are Python code in disguise: `content.strip()`, `name|upper`, `'é'[0]` and
// `{{ some_list }}` must produce exactly what CPython produces, or the rendered prompt differs
// from transformers' by a byte. Strings here are valid UTF-8 (the renderer validates every input);
// indices and lengths are in code points, as in Python.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pio/sdk/utf8.h"  // append_utf8

namespace pio::jinja {

// Decodes the code point at `pos` (valid UTF-8 assumed) and advances `pos`.
char32_t utf8_next(std::string_view s, size_t& pos);
// True when `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool utf8_valid(std::string_view s);
// Number of code points.
size_t utf8_length(std::string_view s);
// Splits into code points (each a UTF-8 substring).
std::vector<std::string_view> utf8_chars(std::string_view s);

// Python str.isspace() for one code point (also what `\s` matches in Python's re).
bool py_isspace(char32_t cp);
// Byte length of the whitespace code point at `pos`, 0 if none.
size_t py_space_len(std::string_view s, size_t pos);
// Python str.isprintable() for one code point.
bool py_isprintable(char32_t cp);

// str.strip/lstrip/rstrip: `chars` null means whitespace.
std::string py_strip(std::string_view s, const std::string* chars, bool left, bool right);
std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_title(std::string_view s);       // str.title()
std::string py_capitalize(std::string_view s);  // str.capitalize()
bool py_is_cased_upper(std::string_view s);     // str.isupper()
bool py_is_cased_lower(std::string_view s);     // str.islower()

// str.split(sep, maxsplit) / str.rsplit; `sep` null splits on whitespace runs.
std::vector<std::string> py_split(std::string_view s, const std::string* sep, int64_t maxsplit);
std::vector<std::string> py_rsplit(std::string_view s, const std::string* sep, int64_t maxsplit);
// str.replace(old, new, count) with count < 0 meaning all.
std::string py_replace(std::string_view s, std::string_view old_text, std::string_view new_text,
                       int64_t count);
// str.count(sub) (non-overlapping).
int64_t py_count(std::string_view s, std::string_view sub);
// str.find / str.rfind: code point index or -1.
int64_t py_find(std::string_view s, std::string_view sub, bool reverse);
// str.splitlines() without keepends.
std::vector<std::string> py_splitlines(std::string_view s);

// repr(str): quotes and escapes as CPython does.
std::string py_repr_string(std::string_view s);
// repr(float) / str(float): shortest round-trip digits, CPython's fixed/exponent switch.
std::string py_float_repr(double v);

}  // namespace pio::jinja
