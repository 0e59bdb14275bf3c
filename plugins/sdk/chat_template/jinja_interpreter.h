// Jinja interpreter: walks a parsed Template with a JSON context and produces the text.
//
// Scoping follows jinja2: `{% set %}` at the top level or inside `if` binds in the enclosing
// scope; each for-loop iteration and each macro call gets a fresh scope whose assignments do not
// leak out (use namespace() for that); macros see their defining scope at call time.
//
// One Interpreter renders once; it is not shared between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "jinja_ast.h"
#include "jinja_builtins.h"
#include "jinja_value.h"

namespace pio::jinja {

struct RenderLimits {
  size_t max_output_bytes = size_t{64} << 20;  // also the largest string a template may build
  uint64_t max_steps = 100'000'000;             // evaluated nodes + scanned bytes / 64
  int max_call_depth = 64;                      // nested macro calls
  size_t max_stack_bytes = size_t{1} << 20;     // C++ stack the interpreter may use
  size_t max_objects = 8'000'000;               // heap objects + container elements
  int max_context_depth = 128;                  // JSON nesting of the context
};

// A variable scope (template, loop body or macro call).
struct Scope : Object {
  Scope* parent = nullptr;
  std::vector<std::pair<std::string, Value>> vars;
  Value* find_local(std::string_view name);
  void set(std::string_view name, Value v);
};

class Interpreter {
 public:
  Interpreter(const Template& tmpl, const RenderLimits& limits);

  // Renders with `context` (a JSON object whose members become variables). Throws pio::Error:
  // kInvalidArgument for runtime errors ("chat template line N: ...") and raise_exception().
  std::string render(const rapidjson::Value& context);

  // ---- services for builtins -------------------------------------------------------------
  Heap& heap() { return heap_; }
  // Counts work against max_steps (one unit per node; string scans pass bytes / 64).
  void charge(uint64_t units);
  void charge_bytes(size_t bytes) { charge(bytes / 64); }
  // Throws EvalError when a string of `bytes` would exceed the output/string limit.
  void check_string_size(size_t bytes) const;
  Value make_string(std::string s);
  Value make_list(std::vector<Value> items, bool is_tuple = false);
  Value make_method(const Value& self, const std::string& name);
  // Calls a macro / global / bound method.
  Value call(const Value& callee, CallArgs& args);
  // Items of `v` as Python iterates it: list items, dict keys, string characters; undefined is empty.
  std::vector<Value> iterate(const Value& v);
  // jinja2's getattr(obj, name) (attribute first, then item) and getitem (item first).
  Value get_attr(const Value& obj, const std::string& name);
  Value get_item(const Value& obj, const Value& key);

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Flow exec_body(const StmtList& body, Scope* scope, std::string& out);
  Flow exec(const Stmt& s, Scope* scope, std::string& out);
  Flow exec_for(const Stmt& s, Scope* scope, std::string& out);
  void exec_set(const Stmt& s, Scope* scope);
  Value eval(const Expr& e, Scope* scope);
  Value eval_inner(const Expr& e, Scope* scope);
  Value eval_call(const Expr& e, Scope* scope);
  Value eval_filter_chain(const Expr& e, Scope* scope, const Value* input);
  Value eval_slice(const Value& obj, const Expr& slice, Scope* scope);
  Value eval_compare(const Expr& e, Scope* scope);
  Value binary_op(const std::string& op, const Value& a, const Value& b);
  Value lookup(const std::string& name, Scope* scope);
  Value call_macro(const Callable& macro, CallArgs& args);
  void eval_args(const Expr& e, size_t first, Scope* scope, CallArgs& args);
  void bind_targets(const std::vector<std::string>& targets, const Value& v, Scope* scope);
  void append(std::string& out, std::string_view text) const;
  void check_stack() const;

  const Template& tmpl_;
  RenderLimits limits_;
  Heap heap_;
  uint64_t steps_ = 0;
  int call_depth_ = 0;
  uintptr_t stack_base_ = 0;
};

}  // namespace pio::jinja
