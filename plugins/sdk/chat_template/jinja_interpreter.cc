#include "jinja_interpreter.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "jinja_ops.h"
#include "pio/sdk/error.h"
#include "py_text.h"

namespace pio::jinja {

Value* Scope::find_local(std::string_view name) {
  for (auto& [k, v] : vars) {
    if (k == name) return &v;
  }
  return nullptr;
}

void Scope::set(std::string_view name, Value v) {
  if (Value* existing = find_local(name)) {
    *existing = std::move(v);
  } else {
    vars.emplace_back(std::string(name), std::move(v));
  }
}

namespace {

bool is_dict_method(std::string_view name) {
  return name == "items" || name == "keys" || name == "values" || name == "get" || name == "copy" ||
         name == "pop" || name == "popitem" || name == "update" || name == "setdefault" ||
         name == "clear" || name == "fromkeys";
}

// Python's floor division and modulo for ints.
int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t floor_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

// Python slice indices for a sequence of length n (slice.indices()).
void slice_indices(int64_t n, const Value& start_v, const Value& stop_v, const Value& step_v,
                   int64_t& start, int64_t& stop, int64_t& step) {
  step = step_v.is_none() ? 1 : step_v.as_int();
  if (step == 0) throw EvalError("slice step cannot be zero");
  auto adjust = [&](const Value& v, int64_t dflt, int64_t lo, int64_t hi) {
    if (v.is_none()) return dflt;
    int64_t i = v.as_int();
    if (i < 0) {
      i += n;
      if (i < lo) i = lo;
    } else if (i > hi) {
      i = hi;
    }
    return i;
  };
  if (step > 0) {
    start = adjust(start_v, 0, 0, n);
    stop = adjust(stop_v, n, 0, n);
  } else {
    start = adjust(start_v, n - 1, -1, n - 1);
    stop = adjust(stop_v, -1, -1, n - 1);
  }
}

}  // namespace

Interpreter::Interpreter(const Template& tmpl, const RenderLimits& limits)
    : tmpl_(tmpl), limits_(limits), heap_(limits.max_objects) {}

void Interpreter::charge(uint64_t units) {
  steps_ += units;
  if (steps_ > limits_.max_steps) {
    throw EvalError(fmt::format("template exceeded the step limit ({} steps)", limits_.max_steps));
  }
}

void Interpreter::check_string_size(size_t bytes) const {
  if (bytes > limits_.max_output_bytes) {
    throw EvalError(fmt::format("string of {} bytes exceeds the limit of {} bytes", bytes,
                                limits_.max_output_bytes));
  }
}

Value Interpreter::make_string(std::string s) {
  check_string_size(s.size());
  return Value::string(std::move(s));
}

Value Interpreter::make_list(std::vector<Value> items, bool is_tuple) {
  List* l = heap_.make<List>();
  heap_.charge_elements(items.size());
  l->items = std::move(items);
  l->is_tuple = is_tuple;
  return Value::object(l);
}

Value Interpreter::make_method(const Value& self, const std::string& name) {
  Callable* c = heap_.make<Callable>();
  c->type = Callable::Type::kMethod;
  c->name = name;
  c->self = self;
  return Value::object(c);
}

void Interpreter::append(std::string& out, std::string_view text) const {
  if (out.size() + text.size() > limits_.max_output_bytes) {
    throw EvalError(fmt::format("output exceeds the limit of {} bytes", limits_.max_output_bytes));
  }
  out.append(text);
}

void Interpreter::check_stack() const {
  char probe = 0;
  auto here = reinterpret_cast<uintptr_t>(&probe);
  uintptr_t used = stack_base_ > here ? stack_base_ - here : here - stack_base_;
  if (used > limits_.max_stack_bytes) {
    throw EvalError("template recursion too deep (stack limit)");
  }
}

std::string Interpreter::render(const rapidjson::Value& context) {
  char probe = 0;
  stack_base_ = reinterpret_cast<uintptr_t>(&probe);
  try {
    if (!context.IsObject()) throw EvalError("the render context must be a JSON object");
    Scope* globals = heap_.make<Scope>();
    for (const auto& m : context.GetObject()) {
      globals->set(std::string_view(m.name.GetString(), m.name.GetStringLength()),
                   from_json(m.value, heap_, limits_.max_context_depth));
    }
    Scope* root = heap_.make<Scope>();
    root->parent = globals;
    std::string out;
    exec_body(tmpl_.body, root, out);
    return out;
  } catch (const RaisedError& e) {
    throw Error(ErrorCode::kInvalidArgument, e.what());
  } catch (const EvalError& e) {
    if (e.line() > 0) throw_error(ErrorCode::kInvalidArgument, "chat template line {}: {}", e.line(), e.what());
    throw_error(ErrorCode::kInvalidArgument, "chat template: {}", e.what());
  }
}

// ---- statements ------------------------------------------------------------------------------

Interpreter::Flow Interpreter::exec_body(const StmtList& body, Scope* scope, std::string& out) {
  for (const auto& s : body) {
    Flow f = exec(*s, scope, out);
    if (f != Flow::kNormal) return f;
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::exec(const Stmt& s, Scope* scope, std::string& out) {
  charge(1);
  check_stack();
  try {
    switch (s.kind) {
      case StmtKind::kText:
        append(out, s.text);
        return Flow::kNormal;
      case StmtKind::kOutput: {
        Value v = eval(*s.expr, scope);
        if (v.is_string()) {
          append(out, v.str());
        } else {
          append(out, to_str(v));
        }
        return Flow::kNormal;
      }
      case StmtKind::kIf:
        for (const auto& [cond, body] : s.branches) {
          if (!cond || truthy(eval(*cond, scope))) return exec_body(body, scope, out);
        }
        return Flow::kNormal;
      case StmtKind::kFor:
        return exec_for(s, scope, out);
      case StmtKind::kSet:
        exec_set(s, scope);
        return Flow::kNormal;
      case StmtKind::kSetBlock: {
        std::string captured;
        exec_body(s.body, scope, captured);
        Value v = Value::string(std::move(captured));
        if (s.expr) v = eval_filter_chain(*s.expr, scope, &v);
        scope->set(s.targets[0], std::move(v));
        return Flow::kNormal;
      }
      case StmtKind::kFilterBlock: {
        std::string captured;
        exec_body(s.body, scope, captured);
        Value v = Value::string(std::move(captured));
        append(out, to_str(eval_filter_chain(*s.expr, scope, &v)));
        return Flow::kNormal;
      }
      case StmtKind::kScopeBlock:
        return exec_body(s.body, scope, out);
      case StmtKind::kMacro: {
        Callable* c = heap_.make<Callable>();
        c->type = Callable::Type::kMacro;
        c->name = s.name;
        c->macro = &s;
        c->closure = scope;
        scope->set(s.name, Value::object(c));
        return Flow::kNormal;
      }
      case StmtKind::kBreak:
        return Flow::kBreak;
      case StmtKind::kContinue:
        return Flow::kContinue;
    }
  } catch (const EvalError& e) {
    if (e.line() == 0) throw EvalError(e.what(), s.line);
    throw;
  }
  return Flow::kNormal;
}

void Interpreter::bind_targets(const std::vector<std::string>& targets, const Value& v, Scope* scope) {
  if (targets.size() == 1) {
    scope->set(targets[0], v);
    return;
  }
  std::vector<Value> parts = iterate(v);
  if (v.is_undefined()) fail_undefined(v);
  if (parts.size() != targets.size()) {
    throw EvalError(fmt::format("cannot unpack {} values into {} names", parts.size(), targets.size()));
  }
  for (size_t i = 0; i < targets.size(); ++i) scope->set(targets[i], parts[i]);
}

Interpreter::Flow Interpreter::exec_for(const Stmt& s, Scope* scope, std::string& out) {
  Value iterable = eval(*s.expr, scope);
  LoopState* loop = heap_.make<LoopState>();
  std::vector<Value> all = iterate(iterable);
  Scope* body_scope = heap_.make<Scope>();
  body_scope->parent = scope;
  if (s.cond) {
    for (Value& item : all) {
      body_scope->vars.clear();
      bind_targets(s.targets, item, body_scope);
      if (truthy(eval(*s.cond, body_scope))) loop->items.push_back(std::move(item));
    }
  } else {
    loop->items = std::move(all);
  }
  heap_.charge_elements(loop->items.size());
  loop->length = static_cast<int64_t>(loop->items.size());
  Value loop_value = Value::object(loop);
  for (size_t i = 0; i < loop->items.size(); ++i) {
    charge(1);                 // an empty body still costs a step per iteration
    body_scope->vars.clear();  // every iteration starts fresh, as in jinja2
    loop->index0 = static_cast<int64_t>(i);
    bind_targets(s.targets, loop->items[i], body_scope);
    body_scope->set("loop", loop_value);
    if (exec_body(s.body, body_scope, out) == Flow::kBreak) break;
  }
  if (loop->items.empty() && !s.else_body.empty()) return exec_body(s.else_body, scope, out);
  return Flow::kNormal;
}

void Interpreter::exec_set(const Stmt& s, Scope* scope) {
  Value v = eval(*s.expr, scope);
  if (!s.attr.empty()) {
    Value target = lookup(s.targets[0], scope);
    if (!target.is_namespace()) {
      throw EvalError(fmt::format("cannot assign attribute '{}' on non-namespace object '{}'", s.attr,
                                  s.targets[0]));
    }
    if (s.attr[0] == '_') {
      throw EvalError(fmt::format("cannot store underscore-prefixed attribute '{}' on a namespace", s.attr));
    }
    target.ns()->attrs.set(s.attr, std::move(v));
    return;
  }
  bind_targets(s.targets, v, scope);
}

// ---- expressions -----------------------------------------------------------------------------

Value Interpreter::eval(const Expr& e, Scope* scope) {
  try {
    return eval_inner(e, scope);
  } catch (const EvalError& err) {
    if (err.line() == 0) throw EvalError(err.what(), e.line);
    throw;
  }
}

Value Interpreter::lookup(const std::string& name, Scope* scope) {
  for (Scope* s = scope; s != nullptr; s = s->parent) {
    if (Value* v = s->find_local(name)) return *v;
  }
  const auto& globals = global_function_names();
  if (std::find(globals.begin(), globals.end(), name) != globals.end()) {
    Callable* c = heap_.make<Callable>();
    c->type = Callable::Type::kGlobal;
    c->name = name;
    return Value::object(c);
  }
  return Value::undefined(fmt::format("'{}' is undefined", name));
}

void Interpreter::eval_args(const Expr& e, size_t first, Scope* scope, CallArgs& args) {
  for (size_t i = first; i < e.args.size(); ++i) args.pos.push_back(eval(*e.args[i], scope));
  for (const auto& [k, v] : e.kwargs) args.kw.emplace_back(k, eval(*v, scope));
}

Value Interpreter::eval_inner(const Expr& e, Scope* scope) {
  charge(1);
  check_stack();
  switch (e.kind) {
    case ExprKind::kLiteral:
      return e.literal;
    case ExprKind::kName:
      return lookup(e.name, scope);
    case ExprKind::kList:
    case ExprKind::kTuple: {
      std::vector<Value> items;
      items.reserve(e.args.size());
      for (const auto& a : e.args) items.push_back(eval(*a, scope));
      return make_list(std::move(items), e.kind == ExprKind::kTuple);
    }
    case ExprKind::kDict: {
      Dict* d = heap_.make<Dict>();
      heap_.charge_elements(e.args.size() / 2);
      for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
        Value k = eval(*e.args[i], scope);
        if (!k.is_string()) throw EvalError("dict literal keys must be strings in this renderer");
        d->set(k.str(), eval(*e.args[i + 1], scope));
      }
      return Value::object(d);
    }
    case ExprKind::kGetAttr:
      return get_attr(eval(*e.args[0], scope), e.name);
    case ExprKind::kGetItem: {
      Value obj = eval(*e.args[0], scope);
      if (e.args[1]->kind == ExprKind::kSlice) return eval_slice(obj, *e.args[1], scope);
      return get_item(obj, eval(*e.args[1], scope));
    }
    case ExprKind::kSlice:
      throw EvalError("slice outside of a subscript");
    case ExprKind::kCall:
      return eval_call(e, scope);
    case ExprKind::kFilter:
      return eval_filter_chain(e, scope, nullptr);
    case ExprKind::kTest: {
      Value subject = eval(*e.args[0], scope);
      CallArgs args;
      eval_args(e, 1, scope, args);
      return Value::boolean(apply_test(e.builtin, *this, subject, args));
    }
    case ExprKind::kNot:
      return Value::boolean(!truthy(eval(*e.args[0], scope)));
    case ExprKind::kNeg:
    case ExprKind::kPos: {
      Value v = eval(*e.args[0], scope);
      if (v.is_undefined()) fail_undefined(v);
      if (!v.is_number()) {
        throw EvalError(fmt::format("bad operand type for unary {}: '{}'",
                                    e.kind == ExprKind::kNeg ? '-' : '+', type_name(v)));
      }
      if (e.kind == ExprKind::kPos) return v.is_bool() ? Value::integer(v.as_int()) : v;
      if (v.is_float()) return Value::floating(-v.as_double());
      if (v.as_int() == std::numeric_limits<int64_t>::min()) throw EvalError("integer overflow");
      return Value::integer(-v.as_int());
    }
    case ExprKind::kBinary:
      return binary_op(e.name, eval(*e.args[0], scope), eval(*e.args[1], scope));
    case ExprKind::kConcat: {
      std::string s;
      for (const auto& a : e.args) {
        Value v = eval(*a, scope);
        std::string part = v.is_string() ? v.str() : to_str(v);
        check_string_size(s.size() + part.size());
        s += part;
      }
      return Value::string(std::move(s));
    }
    case ExprKind::kCompare:
      return eval_compare(e, scope);
    case ExprKind::kAnd: {
      Value a = eval(*e.args[0], scope);
      return truthy(a) ? eval(*e.args[1], scope) : a;
    }
    case ExprKind::kOr: {
      Value a = eval(*e.args[0], scope);
      return truthy(a) ? a : eval(*e.args[1], scope);
    }
    case ExprKind::kCondExpr:
      if (truthy(eval(*e.args[0], scope))) return eval(*e.args[1], scope);
      if (e.args[2]) return eval(*e.args[2], scope);
      return Value::undefined("the inline if-expression evaluated to false and no else section was defined");
  }
  return Value::undefined();
}

Value Interpreter::eval_compare(const Expr& e, Scope* scope) {
  Value left = eval(*e.args[0], scope);
  for (size_t i = 0; i < e.ops.size(); ++i) {
    Value right = eval(*e.args[i + 1], scope);
    const std::string& op = e.ops[i];
    bool ok;
    if (op == "==") ok = equals(left, right);
    else if (op == "!=") ok = !equals(left, right);
    else if (op == "<") ok = less_than(left, right);
    else if (op == "<=") ok = less_than(left, right) || equals(left, right);
    else if (op == ">") ok = less_than(right, left);
    else if (op == ">=") ok = less_than(right, left) || equals(left, right);
    else if (op == "in") ok = contains(right, left);
    else ok = !contains(right, left);  // notin
    if (!ok) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

Value Interpreter::eval_filter_chain(const Expr& e, Scope* scope, const Value* input) {
  Value subject;
  if (e.args[0]) {
    subject = e.args[0]->kind == ExprKind::kFilter && input != nullptr
                  ? eval_filter_chain(*e.args[0], scope, input)
                  : eval(*e.args[0], scope);
  } else {
    subject = input != nullptr ? *input : Value::undefined();
  }
  CallArgs args;
  eval_args(e, 1, scope, args);
  try {
    return apply_filter(e.builtin, *this, subject, args);
  } catch (const EvalError& err) {
    if (err.line() == 0) throw EvalError(fmt::format("filter '{}': {}", e.name, err.what()), e.line);
    throw;
  }
}

Value Interpreter::eval_call(const Expr& e, Scope* scope) {
  const Expr& callee = *e.args[0];
  CallArgs args;
  if (callee.kind == ExprKind::kGetAttr) {
    // obj.method(...) without allocating a bound method.
    Value obj = eval(*callee.args[0], scope);
    if (!obj.is_undefined() && has_method(obj, callee.name)) {
      eval_args(e, 1, scope, args);
      return call_method(*this, obj, callee.name, args);
    }
    Value fn = get_attr(obj, callee.name);
    eval_args(e, 1, scope, args);
    return call(fn, args);
  }
  Value fn = eval(callee, scope);
  eval_args(e, 1, scope, args);
  return call(fn, args);
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  if (callee.is_undefined()) fail_undefined(callee);
  if (callee.kind() == Kind::kLoop) throw EvalError("recursive loop calls are not supported");
  if (!callee.is_callable()) throw EvalError(fmt::format("'{}' object is not callable", type_name(callee)));
  const Callable& c = *callee.callable();
  switch (c.type) {
    case Callable::Type::kMacro:
      return call_macro(c, args);
    case Callable::Type::kGlobal:
      return call_global(*this, c.name, args);
    case Callable::Type::kMethod:
      return call_method(*this, c.self, c.name, args);
  }
  return Value::undefined();
}

Value Interpreter::call_macro(const Callable& macro, CallArgs& args) {
  const Stmt& m = *macro.macro;
  if (call_depth_ >= limits_.max_call_depth) {
    throw EvalError(fmt::format("macro calls nested deeper than {} (recursion limit)", limits_.max_call_depth));
  }
  if (args.pos.size() > m.params.size()) {
    throw EvalError(fmt::format("macro '{}' takes not more than {} argument(s)", m.name, m.params.size()));
  }
  Scope* s = heap_.make<Scope>();
  s->parent = macro.closure;
  for (const auto& [k, v] : args.kw) {
    if (std::find(m.params.begin(), m.params.end(), k) == m.params.end()) {
      throw EvalError(fmt::format("macro '{}' takes no keyword argument '{}'", m.name, k));
    }
  }
  for (size_t i = 0; i < m.params.size(); ++i) {
    const std::string& p = m.params[i];
    const Value* given = args.get(i, p);
    if (i < args.pos.size() && args.find_kw(p) != nullptr) {
      throw EvalError(fmt::format("macro '{}' got multiple values for argument '{}'", m.name, p));
    }
    if (given != nullptr) {
      s->set(p, *given);
    } else if (m.defaults[i]) {
      s->set(p, eval(*m.defaults[i], s));
    } else {
      s->set(p, Value::undefined(fmt::format("parameter '{}' was not provided", p)));
    }
  }
  ++call_depth_;
  std::string out;
  try {
    exec_body(m.body, s, out);
  } catch (...) {
    --call_depth_;
    throw;
  }
  --call_depth_;
  return Value::string(std::move(out));
}

Value Interpreter::eval_slice(const Value& obj, const Expr& slice, Scope* scope) {
  Value parts[3];
  for (int i = 0; i < 3; ++i) {
    parts[i] = slice.args[static_cast<size_t>(i)] ? eval(*slice.args[static_cast<size_t>(i)], scope) : Value::none();
    if (!parts[i].is_none() && !(parts[i].is_int() || parts[i].is_bool())) {
      if (parts[i].is_undefined()) fail_undefined(parts[i]);
      throw EvalError("slice indices must be integers or None");
    }
  }
  if (obj.is_undefined()) fail_undefined(obj);
  int64_t start, stop, step;
  if (obj.is_list()) {
    const auto& items = obj.list()->items;
    slice_indices(static_cast<int64_t>(items.size()), parts[0], parts[1], parts[2], start, stop, step);
    std::vector<Value> out;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(items[static_cast<size_t>(i)]);
    return make_list(std::move(out), obj.list()->is_tuple);
  }
  if (obj.is_string()) {
    auto chars = utf8_chars(obj.str());
    charge_bytes(obj.str().size());
    slice_indices(static_cast<int64_t>(chars.size()), parts[0], parts[1], parts[2], start, stop, step);
    std::string out;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out += chars[static_cast<size_t>(i)];
    return Value::string(std::move(out));
  }
  if (obj.is_none() || obj.is_number()) return Value::undefined(fmt::format("'{}' object is not subscriptable", type_name(obj)));
  return Value::undefined(fmt::format("'{}' object cannot be sliced", type_name(obj)));
}

Value Interpreter::get_attr(const Value& obj, const std::string& name) {
  switch (obj.kind()) {
    case Kind::kUndefined:
      fail_undefined(obj);
    case Kind::kDict: {
      if (is_dict_method(name)) return make_method(obj, name);
      if (const Value* v = obj.dict()->find(name)) return *v;
      return Value::undefined(fmt::format("'dict object' has no attribute '{}'", name));
    }
    case Kind::kNamespace: {
      if (const Value* v = obj.ns()->attrs.find(name)) return *v;
      return Value::undefined(fmt::format("'Namespace object' has no attribute '{}'", name));
    }
    case Kind::kLoop: {
      const LoopState& l = *obj.loop();
      if (name == "index") return Value::integer(l.index0 + 1);
      if (name == "index0") return Value::integer(l.index0);
      if (name == "revindex") return Value::integer(l.length - l.index0);
      if (name == "revindex0") return Value::integer(l.length - l.index0 - 1);
      if (name == "first") return Value::boolean(l.index0 == 0);
      if (name == "last") return Value::boolean(l.index0 == l.length - 1);
      if (name == "length") return Value::integer(l.length);
      if (name == "depth") return Value::integer(1);
      if (name == "depth0") return Value::integer(0);
      if (name == "previtem") {
        if (l.index0 > 0) return l.items[static_cast<size_t>(l.index0 - 1)];
        return Value::undefined("there is no previous item");
      }
      if (name == "nextitem") {
        if (l.index0 + 1 < l.length) return l.items[static_cast<size_t>(l.index0 + 1)];
        return Value::undefined("there is no next item");
      }
      if (name == "cycle" || name == "changed") return make_method(obj, name);
      return Value::undefined(fmt::format("'LoopContext object' has no attribute '{}'", name));
    }
    default:
      if (has_method(obj, name)) return make_method(obj, name);
      return Value::undefined(fmt::format("'{} object' has no attribute '{}'", type_name(obj), name));
  }
}

Value Interpreter::get_item(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Kind::kUndefined:
      fail_undefined(obj);
    case Kind::kDict:
      if (key.is_string()) {
        if (const Value* v = obj.dict()->find(key.str())) return *v;
        if (is_dict_method(key.str())) return make_method(obj, key.str());
      }
      return Value::undefined(fmt::format("'dict object' has no attribute {}", repr(key)));
    case Kind::kList:
    case Kind::kString: {
      if (key.is_int() || key.is_bool()) {
        int64_t i = key.as_int();
        if (obj.is_list()) {
          const auto& items = obj.list()->items;
          int64_t n = static_cast<int64_t>(items.size());
          if (i < 0) i += n;
          if (i >= 0 && i < n) return items[static_cast<size_t>(i)];
          return Value::undefined(fmt::format("'{} object' has no element {}", type_name(obj), key.as_int()));
        }
        charge_bytes(obj.str().size());
        auto chars = utf8_chars(obj.str());
        int64_t n = static_cast<int64_t>(chars.size());
        if (i < 0) i += n;
        if (i >= 0 && i < n) return Value::string(std::string(chars[static_cast<size_t>(i)]));
        return Value::undefined(fmt::format("'str object' has no element {}", key.as_int()));
      }
      if (key.is_string()) return get_attr(obj, key.str());
      return Value::undefined(fmt::format("'{} object' has no element {}", type_name(obj), repr(key)));
    }
    case Kind::kNamespace:
    case Kind::kLoop:
      if (key.is_string()) return get_attr(obj, key.str());
      return Value::undefined("no such element");
    default:
      return Value::undefined(fmt::format("'{}' object is not subscriptable", type_name(obj)));
  }
}

std::vector<Value> Interpreter::iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return {};
    case Kind::kList:
      return v.list()->items;
    case Kind::kDict: {
      std::vector<Value> keys;
      keys.reserve(v.dict()->size());
      for (const auto& [k, val] : v.dict()->entries) keys.push_back(Value::string(k));
      return keys;
    }
    case Kind::kString: {
      charge_bytes(v.str().size());
      std::vector<Value> chars;
      for (auto c : utf8_chars(v.str())) chars.push_back(Value::string(std::string(c)));
      heap_.charge_elements(chars.size());
      return chars;
    }
    default:
      throw EvalError(fmt::format("'{}' object is not iterable", type_name(v)));
  }
}

Value Interpreter::binary_op(const std::string& op, const Value& a, const Value& b) {
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  auto type_error = [&]() -> EvalError {
    return EvalError(fmt::format("unsupported operand type(s) for {}: '{}' and '{}'", op, type_name(a), type_name(b)));
  };
  bool nums = a.is_number() && b.is_number();
  bool ints = nums && !a.is_float() && !b.is_float();
  if (op == "+") {
    if (ints) {
      int64_t r;
      if (__builtin_add_overflow(a.as_int(), b.as_int(), &r)) throw EvalError("integer overflow");
      return Value::integer(r);
    }
    if (nums) return Value::floating(a.as_double() + b.as_double());
    if (a.is_string() && b.is_string()) {
      check_string_size(a.str().size() + b.str().size());
      return Value::string(a.str() + b.str());
    }
    if (a.is_list() && b.is_list() && a.list()->is_tuple == b.list()->is_tuple) {
      std::vector<Value> items = a.list()->items;
      items.insert(items.end(), b.list()->items.begin(), b.list()->items.end());
      return make_list(std::move(items), a.list()->is_tuple);
    }
    if (a.is_string() || b.is_string()) {
      throw EvalError(fmt::format("can only concatenate str (not \"{}\") to str",
                                  type_name(a.is_string() ? b : a)));
    }
    throw type_error();
  }
  if (op == "-") {
    if (ints) {
      int64_t r;
      if (__builtin_sub_overflow(a.as_int(), b.as_int(), &r)) throw EvalError("integer overflow");
      return Value::integer(r);
    }
    if (nums) return Value::floating(a.as_double() - b.as_double());
    throw type_error();
  }
  if (op == "*") {
    if (ints) {
      int64_t r;
      if (__builtin_mul_overflow(a.as_int(), b.as_int(), &r)) throw EvalError("integer overflow");
      return Value::integer(r);
    }
    if (nums) return Value::floating(a.as_double() * b.as_double());
    const Value* seq = (a.is_string() || a.is_list()) ? &a : (b.is_string() || b.is_list()) ? &b : nullptr;
    const Value* count = seq == &a ? &b : &a;
    if (seq != nullptr && (count->is_int() || count->is_bool())) {
      int64_t n = std::max<int64_t>(0, count->as_int());
      if (seq->is_string()) {
        if (n > 0 && seq->str().size() > 0) check_string_size(seq->str().size() * static_cast<size_t>(std::min<int64_t>(n, int64_t{1} << 40)));
        std::string out;
        for (int64_t i = 0; i < n && !seq->str().empty(); ++i) out += seq->str();
        return Value::string(std::move(out));
      }
      const auto& items = seq->list()->items;
      if (n > 0 && !items.empty()) heap_.charge_elements(items.size() * static_cast<size_t>(std::min<int64_t>(n, int64_t{1} << 40)));
      std::vector<Value> out;
      for (int64_t i = 0; i < n && !items.empty(); ++i) out.insert(out.end(), items.begin(), items.end());
      return make_list(std::move(out), seq->list()->is_tuple);
    }
    throw type_error();
  }
  if (op == "/") {
    if (!nums) throw type_error();
    if (b.as_double() == 0) throw EvalError("division by zero");
    return Value::floating(a.as_double() / b.as_double());
  }
  if (op == "//") {
    if (!nums) throw type_error();
    if (ints) {
      if (b.as_int() == 0) throw EvalError("integer division or modulo by zero");
      if (a.as_int() == std::numeric_limits<int64_t>::min() && b.as_int() == -1) throw EvalError("integer overflow");
      return Value::integer(floor_div(a.as_int(), b.as_int()));
    }
    if (b.as_double() == 0) throw EvalError("float floor division by zero");
    return Value::floating(std::floor(a.as_double() / b.as_double()));
  }
  if (op == "%") {
    if (a.is_string()) throw EvalError("printf-style string formatting ('%' on strings) is not supported");
    if (!nums) throw type_error();
    if (ints) {
      if (b.as_int() == 0) throw EvalError("integer division or modulo by zero");
      if (b.as_int() == -1) return Value::integer(0);
      return Value::integer(floor_mod(a.as_int(), b.as_int()));
    }
    double y = b.as_double();
    if (y == 0) throw EvalError("float modulo");
    double r = std::fmod(a.as_double(), y);
    if (r != 0 && ((r < 0) != (y < 0))) r += y;
    return Value::floating(r);
  }
  if (op == "**") {
    if (!nums) throw type_error();
    if (ints && b.as_int() >= 0) {
      int64_t base = a.as_int(), exp = b.as_int(), r = 1;
      while (exp > 0) {
        if (exp & 1) {
          if (__builtin_mul_overflow(r, base, &r)) throw EvalError("integer overflow");
        }
        exp >>= 1;
        if (exp > 0 && __builtin_mul_overflow(base, base, &base)) throw EvalError("integer overflow");
      }
      return Value::integer(r);
    }
    return Value::floating(std::pow(a.as_double(), b.as_double()));
  }
  throw EvalError("unknown operator " + op);
}

}  // namespace pio::jinja
