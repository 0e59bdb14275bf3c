// Python semantics of the Jinja values: truthiness, str()/repr(), ==/<, JSON in and out.
//
// Errors are thrown as EvalError without a line; the interpreter adds the line of the expression
// being evaluated and turns it into pio::Error at the API boundary.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "jinja_value.h"

namespace pio::jinja {

// A runtime error inside the template (type error, undefined access, limit exceeded).
class EvalError : public std::runtime_error {
 public:
  explicit EvalError(std::string message, int line = 0)
      : std::runtime_error(std::move(message)), line_(line) {}
  int line() const { return line_; }

 private:
  int line_;
};

// raise_exception(msg) called by the template: the message is reported as is.
class RaisedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Depth bound for recursive walks over values (str, ==, tojson): guards cycles and deep nesting.
inline constexpr int kMaxValueDepth = 512;

// Python's type name, for messages: "str", "int", "dict", "NoneType", "Undefined", ...
std::string type_name(const Value& v);
// bool(v) in Python / jinja2 (undefined is falsy).
bool truthy(const Value& v);
// str(v) as jinja2 prints it: undefined -> "", None -> "None", containers as Python repr.
std::string to_str(const Value& v);
// repr(v) as Python writes it inside containers.
std::string repr(const Value& v);
// v == w in Python (1 == 1.0 == True; list != tuple; dict order ignored; undefined == undefined).
bool equals(const Value& a, const Value& b);
// Python's a < b for numbers, strings and sequences; EvalError for other pairs.
bool less_than(const Value& a, const Value& b);
// `item in container` (substring, element, or dict key).
bool contains(const Value& container, const Value& item);
// len(v): code points of a string, items of a list/dict; undefined has length 0.
int64_t length_of(const Value& v);
// Throws EvalError naming the undefined variable (jinja2's UndefinedError).
[[noreturn]] void fail_undefined(const Value& v);

struct JsonDumpOptions {
  bool ensure_ascii = false;
  bool sort_keys = false;
  bool has_indent = false;
  std::string indent;  // the indent unit when has_indent
  std::string item_separator = ", ";
  std::string key_separator = ": ";
};
// json.dumps(v, ...) exactly as Python writes it.
std::string json_dumps(const Value& v, const JsonDumpOptions& options);

// RapidJSON -> Value (objects in `heap`); EvalError when nested deeper than `max_depth`.
Value from_json(const rapidjson::Value& json, Heap& heap, int max_depth);
// Value -> RapidJSON (tuples become arrays); EvalError for values JSON cannot hold.
void to_json(const Value& v, rapidjson::Value& out, rapidjson::Document::AllocatorType& alloc);

}  // namespace pio::jinja
