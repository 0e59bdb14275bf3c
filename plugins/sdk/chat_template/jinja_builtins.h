// Jinja's built-in filters, tests, global functions and the Python methods of values
// (str.startswith, dict.items, ...), with the semantics jinja2 + transformers give them.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jinja_value.h"

namespace pio::jinja {

class Interpreter;

// Evaluated arguments of a call, a filter or a test (subject excluded).
struct CallArgs {
  std::vector<Value> pos;
  std::vector<std::pair<std::string, Value>> kw;

  // Argument `index` or keyword `name`, or nullptr when absent.
  const Value* get(size_t index, std::string_view name) const;
  // Keyword `name`, or nullptr.
  const Value* find_kw(std::string_view name) const;
  // Throws EvalError when more than `max_pos` positional args or an unknown keyword is present.
  void check(std::string_view what, size_t max_pos, std::initializer_list<std::string_view> names) const;
};

// Filter / test registry: -1 when the name is unknown (checked at parse time).
int find_filter(std::string_view name);
int find_test(std::string_view name);
Value apply_filter(int id, Interpreter& in, const Value& subject, CallArgs& args);
bool apply_test(int id, Interpreter& in, const Value& subject, CallArgs& args);

// Names of the global functions: range, dict, namespace, raise_exception, strftime_now, ...
const std::vector<std::string>& global_function_names();
Value call_global(Interpreter& in, const std::string& name, CallArgs& args);

// True when `self.name` is a method of self's Python type that templates may use.
bool has_method(const Value& self, std::string_view name);
Value call_method(Interpreter& in, const Value& self, const std::string& name, CallArgs& args);

}  // namespace pio::jinja
