// Tests (`x is string`), global functions (range, namespace, raise_exception, ...) and the
// Python methods of values (str.split, dict.items, ...).
#include <algorithm>
#include <cmath>
#include <ctime>
#include <string_view>

#include <fmt/format.h>

#include "jinja_builtins.h"
#include "jinja_interpreter.h"
#include "jinja_ops.h"
#include "py_text.h"

namespace pio::jinja {

const Value* CallArgs::get(size_t index, std::string_view name) const {
  if (index < pos.size()) return &pos[index];
  return find_kw(name);
}

const Value* CallArgs::find_kw(std::string_view name) const {
  for (const auto& [k, v] : kw) {
    if (k == name) return &v;
  }
  return nullptr;
}

void CallArgs::check(std::string_view what, size_t max_pos, std::initializer_list<std::string_view> names) const {
  if (pos.size() > max_pos) {
    throw EvalError(fmt::format("{} takes at most {} argument(s) ({} given)", what, max_pos, pos.size()));
  }
  for (const auto& [k, v] : kw) {
    if (std::find(names.begin(), names.end(), k) == names.end()) {
      throw EvalError(fmt::format("{} got an unexpected keyword argument '{}'", what, k));
    }
  }
}

namespace {

const std::string& need_string(const Value* v, std::string_view what) {
  if (v == nullptr || !v->is_string()) {
    throw EvalError(fmt::format("{} must be a string, not {}", what, v ? type_name(*v) : "nothing"));
  }
  return v->str();
}

int64_t need_int(const Value* v, std::string_view what) {
  if (v == nullptr || !(v->is_int() || v->is_bool())) {
    throw EvalError(fmt::format("{} must be an integer, not {}", what, v ? type_name(*v) : "nothing"));
  }
  return v->as_int();
}

// Optional string argument: nullptr when absent or None.
const std::string* opt_string(const Value* v, std::string_view what) {
  if (v == nullptr || v->is_none()) return nullptr;
  return &need_string(v, what);
}

// ---- tests -----------------------------------------------------------------------------------

using TestFn = bool (*)(Interpreter&, const Value&, CallArgs&);

const Value& test_arg(CallArgs& a, std::string_view test) {
  if (a.pos.empty()) throw EvalError(fmt::format("test '{}' needs an argument", test));
  return a.pos[0];
}

bool is_sequence(const Value& v) {
  return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
}

struct TestEntry {
  const char* name;
  TestFn fn;
};

const TestEntry kTests[] = {
    {"defined", [](Interpreter&, const Value& v, CallArgs&) { return !v.is_undefined(); }},
    {"undefined", [](Interpreter&, const Value& v, CallArgs&) { return v.is_undefined(); }},
    {"none", [](Interpreter&, const Value& v, CallArgs&) { return v.is_none(); }},
    {"boolean", [](Interpreter&, const Value& v, CallArgs&) { return v.is_bool(); }},
    {"true", [](Interpreter&, const Value& v, CallArgs&) { return v.is_bool() && v.as_bool(); }},
    {"false", [](Interpreter&, const Value& v, CallArgs&) { return v.is_bool() && !v.as_bool(); }},
    {"integer", [](Interpreter&, const Value& v, CallArgs&) { return v.is_int(); }},
    {"float", [](Interpreter&, const Value& v, CallArgs&) { return v.is_float(); }},
    {"number", [](Interpreter&, const Value& v, CallArgs&) { return v.is_number(); }},
    {"string", [](Interpreter&, const Value& v, CallArgs&) { return v.is_string(); }},
    {"mapping", [](Interpreter&, const Value& v, CallArgs&) { return v.is_dict(); }},
    {"sequence", [](Interpreter&, const Value& v, CallArgs&) { return is_sequence(v); }},
    {"iterable", [](Interpreter&, const Value& v, CallArgs&) { return is_sequence(v); }},
    {"callable", [](Interpreter&, const Value& v, CallArgs&) { return v.is_callable(); }},
    {"escaped", [](Interpreter&, const Value&, CallArgs&) { return false; }},
    {"sameas",
     [](Interpreter&, const Value& v, CallArgs& a) {
       const Value& o = test_arg(a, "sameas");
       if (v.kind() != o.kind()) return false;
       if (v.is_none() || v.is_undefined()) return true;
       if (v.is_bool()) return v.as_bool() == o.as_bool();
       if (v.is_list() || v.is_dict() || v.is_namespace() || v.is_callable()) return v.object_ptr() == o.object_ptr();
       return equals(v, o);
     }},
    {"eq", [](Interpreter&, const Value& v, CallArgs& a) { return equals(v, test_arg(a, "eq")); }},
    {"equalto", [](Interpreter&, const Value& v, CallArgs& a) { return equals(v, test_arg(a, "eq")); }},
    {"==", [](Interpreter&, const Value& v, CallArgs& a) { return equals(v, test_arg(a, "eq")); }},
    {"ne", [](Interpreter&, const Value& v, CallArgs& a) { return !equals(v, test_arg(a, "ne")); }},
    {"!=", [](Interpreter&, const Value& v, CallArgs& a) { return !equals(v, test_arg(a, "ne")); }},
    {"lt", [](Interpreter&, const Value& v, CallArgs& a) { return less_than(v, test_arg(a, "lt")); }},
    {"lessthan", [](Interpreter&, const Value& v, CallArgs& a) { return less_than(v, test_arg(a, "lt")); }},
    {"<", [](Interpreter&, const Value& v, CallArgs& a) { return less_than(v, test_arg(a, "lt")); }},
    {"gt", [](Interpreter&, const Value& v, CallArgs& a) { return less_than(test_arg(a, "gt"), v); }},
    {"greaterthan", [](Interpreter&, const Value& v, CallArgs& a) { return less_than(test_arg(a, "gt"), v); }},
    {">", [](Interpreter&, const Value& v, CallArgs& a) { return less_than(test_arg(a, "gt"), v); }},
    {"le",
     [](Interpreter&, const Value& v, CallArgs& a) {
       return less_than(v, test_arg(a, "le")) || equals(v, test_arg(a, "le"));
     }},
    {"<=",
     [](Interpreter&, const Value& v, CallArgs& a) {
       return less_than(v, test_arg(a, "le")) || equals(v, test_arg(a, "le"));
     }},
    {"ge",
     [](Interpreter&, const Value& v, CallArgs& a) {
       return less_than(test_arg(a, "ge"), v) || equals(v, test_arg(a, "ge"));
     }},
    {">=",
     [](Interpreter&, const Value& v, CallArgs& a) {
       return less_than(test_arg(a, "ge"), v) || equals(v, test_arg(a, "ge"));
     }},
    {"in", [](Interpreter&, const Value& v, CallArgs& a) { return contains(test_arg(a, "in"), v); }},
    {"divisibleby",
     [](Interpreter&, const Value& v, CallArgs& a) {
       int64_t d = need_int(&test_arg(a, "divisibleby"), "divisibleby argument");
       if (d == 0) throw EvalError("integer division or modulo by zero");
       return need_int(&v, "divisibleby subject") % d == 0;
     }},
    {"even", [](Interpreter&, const Value& v, CallArgs&) { return need_int(&v, "even subject") % 2 == 0; }},
    {"odd", [](Interpreter&, const Value& v, CallArgs&) { return need_int(&v, "odd subject") % 2 != 0; }},
    {"lower", [](Interpreter&, const Value& v, CallArgs&) { return py_is_cased_lower(to_str(v)); }},
    {"upper", [](Interpreter&, const Value& v, CallArgs&) { return py_is_cased_upper(to_str(v)); }},
    {"filter", [](Interpreter&, const Value& v, CallArgs&) { return v.is_string() && find_filter(v.str()) >= 0; }},
    {"test", [](Interpreter&, const Value& v, CallArgs&) { return v.is_string() && find_test(v.str()) >= 0; }},
};

// ---- global functions ------------------------------------------------------------------------

constexpr int64_t kMaxRange = 100000;  // jinja2's sandbox refuses larger ranges

Value global_range(Interpreter& in, CallArgs& a) {
  a.check("range", 3, {});
  if (a.pos.empty()) throw EvalError("range expected at least 1 argument, got 0");
  int64_t start = 0, stop, step = 1;
  if (a.pos.size() == 1) {
    stop = need_int(&a.pos[0], "range argument");
  } else {
    start = need_int(&a.pos[0], "range argument");
    stop = need_int(&a.pos[1], "range argument");
    if (a.pos.size() == 3) step = need_int(&a.pos[2], "range argument");
  }
  if (step == 0) throw EvalError("range() arg 3 must not be zero");
  long double count_ld = (static_cast<long double>(stop) - start) / step;
  int64_t count = count_ld <= 0 ? 0 : static_cast<int64_t>(std::ceil(static_cast<double>(count_ld)));
  if (count > kMaxRange) throw EvalError(fmt::format("range too big, maximum size for range is {}", kMaxRange));
  std::vector<Value> items;
  items.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) items.push_back(Value::integer(start + i * step));
  return in.make_list(std::move(items));
}

void fill_dict_from(Interpreter& in, Dict& d, const Value& src, std::string_view what) {
  if (src.is_dict()) {
    for (const auto& [k, v] : src.dict()->entries) d.set(k, v);
    return;
  }
  for (const Value& pair : in.iterate(src)) {
    if (!pair.is_list() || pair.list()->items.size() != 2 || !pair.list()->items[0].is_string()) {
      throw EvalError(fmt::format("{}: expected a mapping or (string key, value) pairs", what));
    }
    d.set(pair.list()->items[0].str(), pair.list()->items[1]);
  }
}

Value global_dict(Interpreter& in, CallArgs& a) {
  if (a.pos.size() > 1) throw EvalError("dict expected at most 1 positional argument");
  Dict* d = in.heap().make<Dict>();
  if (!a.pos.empty()) fill_dict_from(in, *d, a.pos[0], "dict()");
  for (const auto& [k, v] : a.kw) d->set(k, v);
  return Value::object(d);
}

Value global_namespace(Interpreter& in, CallArgs& a) {
  if (a.pos.size() > 1) throw EvalError("namespace() takes at most one positional argument");
  Namespace* ns = in.heap().make<Namespace>();
  if (!a.pos.empty()) fill_dict_from(in, ns->attrs, a.pos[0], "namespace()");
  for (const auto& [k, v] : a.kw) ns->attrs.set(k, v);
  for (const auto& [k, v] : ns->attrs.entries) {
    if (!k.empty() && k[0] == '_') {
      throw EvalError(fmt::format("cannot store underscore-prefixed attribute '{}' on a namespace", k));
    }
  }
  return Value::object(ns);
}

Value global_raise_exception(Interpreter&, CallArgs& a) {
  const Value* msg = a.get(0, "message");
  throw RaisedError(msg ? to_str(*msg) : std::string("raise_exception() called"));
}

Value global_strftime_now(Interpreter& in, CallArgs& a) {
  a.check("strftime_now", 1, {"format"});
  const std::string& format = need_string(a.get(0, "format"), "strftime_now format");
  if (format.size() > 256) throw EvalError("strftime_now format too long");
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::string buf(format.size() * 16 + 64, '\0');
  size_t n = std::strftime(buf.data(), buf.size(), format.c_str(), &local);
  if (n == 0 && !format.empty()) throw EvalError("strftime_now: format produced no output");
  buf.resize(n);
  return in.make_string(std::move(buf));
}

// ---- methods ---------------------------------------------------------------------------------

bool is_str_method(std::string_view n) {
  static const std::string_view kNames[] = {
      "startswith", "endswith", "split",  "rsplit",  "strip",   "lstrip",     "rstrip",
      "replace",    "upper",    "lower",  "title",   "capitalize", "find",    "rfind",
      "index",      "count",    "join",   "splitlines", "isdigit", "isalpha", "isalnum",
      "isspace",    "isupper",  "islower", "isnumeric", "isdecimal", "format", "center",
      "zfill",      "partition", "rpartition", "removeprefix", "removesuffix", "casefold",
      "swapcase",   "encode",   "ljust",  "rjust",   "expandtabs", "istitle", "rindex"};
  return std::find(std::begin(kNames), std::end(kNames), n) != std::end(kNames);
}

bool is_list_method(std::string_view n) {
  return n == "index" || n == "count" || n == "append" || n == "extend" || n == "pop" || n == "insert" ||
         n == "remove" || n == "sort" || n == "reverse" || n == "clear" || n == "copy";
}

bool is_dict_method_name(std::string_view n) {
  return n == "items" || n == "keys" || n == "values" || n == "get" || n == "copy" || n == "pop" ||
         n == "popitem" || n == "update" || n == "setdefault" || n == "clear" || n == "fromkeys";
}

[[noreturn]] void fail_mutation(const Value& self, const std::string& name) {
  throw EvalError(fmt::format(
      "access to attribute '{}' of '{}' object is unsafe (templates render in an immutable sandbox, "
      "as in transformers)", name, type_name(self)));
}

bool all_chars(const std::string& s, bool (*pred)(char32_t)) {
  if (s.empty()) return false;
  size_t pos = 0;
  while (pos < s.size()) {
    if (!pred(utf8_next(s, pos))) return false;
  }
  return true;
}

bool prefix_match(const Value& arg, const std::string& s, bool suffix) {
  auto one = [&](const std::string& p) {
    if (p.size() > s.size()) return false;
    return suffix ? s.compare(s.size() - p.size(), p.size(), p) == 0 : s.compare(0, p.size(), p) == 0;
  };
  if (arg.is_list() && arg.list()->is_tuple) {
    for (const Value& p : arg.list()->items) {
      if (one(need_string(&p, "startswith/endswith prefix"))) return true;
    }
    return false;
  }
  return one(need_string(&arg, "startswith/endswith argument"));
}

Value strings_to_list(Interpreter& in, std::vector<std::string> parts) {
  std::vector<Value> items;
  items.reserve(parts.size());
  for (auto& p : parts) items.push_back(Value::string(std::move(p)));
  return in.make_list(std::move(items));
}

Value call_str_method(Interpreter& in, const Value& self, const std::string& name, CallArgs& a) {
  const std::string& s = self.str();
  in.charge_bytes(s.size());
  if (name == "startswith" || name == "endswith") {
    a.check(name, 1, {});
    if (a.pos.empty()) throw EvalError(name + "() takes at least 1 argument");
    return Value::boolean(prefix_match(a.pos[0], s, name == "endswith"));
  }
  if (name == "split" || name == "rsplit") {
    a.check(name, 2, {"sep", "maxsplit"});
    const std::string* sep = opt_string(a.get(0, "sep"), "split separator");
    if (sep != nullptr && sep->empty()) throw EvalError("empty separator");
    const Value* m = a.get(1, "maxsplit");
    int64_t maxsplit = m ? need_int(m, "maxsplit") : -1;
    auto parts = name == "split" ? py_split(s, sep, maxsplit) : py_rsplit(s, sep, maxsplit);
    return strings_to_list(in, std::move(parts));
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    a.check(name, 1, {});
    const std::string* chars = opt_string(a.get(0, "chars"), "strip characters");
    return Value::string(py_strip(s, chars, name != "rstrip", name != "lstrip"));
  }
  if (name == "replace") {
    a.check(name, 3, {"count"});
    const std::string& old_text = need_string(a.get(0, "old"), "replace old");
    const std::string& new_text = need_string(a.get(1, "new"), "replace new");
    const Value* c = a.get(2, "count");
    int64_t count = c ? need_int(c, "replace count") : -1;
    int64_t hits = old_text.empty() ? static_cast<int64_t>(utf8_length(s)) + 1 : py_count(s, old_text);
    if (count >= 0) hits = std::min(hits, count);
    in.check_string_size(s.size() + static_cast<size_t>(hits) * new_text.size());
    return Value::string(py_replace(s, old_text, new_text, count));
  }
  if (name == "upper") return Value::string(py_upper(s));
  if (name == "lower" || name == "casefold") return Value::string(py_lower(s));
  if (name == "title") return Value::string(py_title(s));
  if (name == "capitalize") return Value::string(py_capitalize(s));
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    a.check(name, 1, {});
    int64_t at = py_find(s, need_string(a.get(0, "sub"), name + " argument"), name[0] == 'r');
    if (at < 0 && (name == "index" || name == "rindex")) throw EvalError("substring not found");
    return Value::integer(at);
  }
  if (name == "count") {
    a.check(name, 1, {});
    return Value::integer(py_count(s, need_string(a.get(0, "sub"), "count argument")));
  }
  if (name == "join") {
    a.check(name, 1, {});
    if (a.pos.empty()) throw EvalError("join() takes exactly one argument");
    std::string out;
    bool first = true;
    for (const Value& item : in.iterate(a.pos[0])) {
      if (!item.is_string()) throw EvalError(fmt::format("sequence item: expected str instance, {} found", type_name(item)));
      if (!first) out += s;
      first = false;
      out += item.str();
      in.check_string_size(out.size());
    }
    return Value::string(std::move(out));
  }
  if (name == "splitlines") return strings_to_list(in, py_splitlines(s));
  if (name == "isdigit" || name == "isnumeric" || name == "isdecimal") {
    return Value::boolean(all_chars(s, [](char32_t c) { return c >= '0' && c <= '9'; }));
  }
  if (name == "isalpha") {
    return Value::boolean(all_chars(s, [](char32_t c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c > 0x7F && !py_isspace(c));
    }));
  }
  if (name == "isalnum") {
    return Value::boolean(all_chars(s, [](char32_t c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c > 0x7F && !py_isspace(c));
    }));
  }
  if (name == "isspace") return Value::boolean(all_chars(s, py_isspace));
  if (name == "isupper") return Value::boolean(py_is_cased_upper(s));
  if (name == "islower") return Value::boolean(py_is_cased_lower(s));
  if (name == "removeprefix" || name == "removesuffix") {
    const std::string& p = need_string(a.get(0, "prefix"), name + " argument");
    if (name == "removeprefix" && s.compare(0, p.size(), p) == 0 && p.size() <= s.size()) return Value::string(s.substr(p.size()));
    if (name == "removesuffix" && p.size() <= s.size() && s.compare(s.size() - p.size(), p.size(), p) == 0) {
      return Value::string(s.substr(0, s.size() - p.size()));
    }
    return self;
  }
  if (name == "partition" || name == "rpartition") {
    const std::string& sep = need_string(a.get(0, "sep"), name + " separator");
    if (sep.empty()) throw EvalError("empty separator");
    size_t at = name == "partition" ? s.find(sep) : s.rfind(sep);
    std::vector<Value> parts;
    if (at == std::string::npos) {
      if (name == "partition") {
        parts = {self, Value::string(""), Value::string("")};
      } else {
        parts = {Value::string(""), Value::string(""), self};
      }
    } else {
      parts = {Value::string(s.substr(0, at)), Value::string(sep), Value::string(s.substr(at + sep.size()))};
    }
    return in.make_list(std::move(parts), true);
  }
  throw EvalError(fmt::format("str.{}() is not supported by this renderer", name));
}

Value call_dict_method(Interpreter& in, const Value& self, const std::string& name, CallArgs& a) {
  const Dict& d = *self.dict();
  if (name == "get") {
    a.check("dict.get", 2, {});
    const Value* key = a.get(0, "key");
    if (key == nullptr) throw EvalError("get expected at least 1 argument, got 0");
    const Value* found = key->is_string() ? d.find(key->str()) : nullptr;
    if (found) return *found;
    const Value* dflt = a.get(1, "default");
    return dflt ? *dflt : Value::none();
  }
  if (name == "items" || name == "keys" || name == "values") {
    a.check("dict." + name, 0, {});
    std::vector<Value> out;
    out.reserve(d.size());
    for (const auto& [k, v] : d.entries) {
      if (name == "items") {
        out.push_back(in.make_list({Value::string(k), v}, true));
      } else if (name == "keys") {
        out.push_back(Value::string(k));
      } else {
        out.push_back(v);
      }
    }
    return in.make_list(std::move(out));
  }
  if (name == "copy") {
    Dict* c = in.heap().make<Dict>();
    in.heap().charge_elements(d.size());
    c->entries = d.entries;
    return Value::object(c);
  }
  fail_mutation(self, name);
}

Value call_list_method(Interpreter& in, const Value& self, const std::string& name, CallArgs& a) {
  const auto& items = self.list()->items;
  if (name == "index" || name == "count") {
    a.check("list." + name, 1, {});
    if (a.pos.empty()) throw EvalError(name + "() takes exactly one argument");
    int64_t n = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      if (equals(items[i], a.pos[0])) {
        if (name == "index") return Value::integer(static_cast<int64_t>(i));
        ++n;
      }
    }
    if (name == "index") throw EvalError(fmt::format("{} is not in list", repr(a.pos[0])));
    return Value::integer(n);
  }
  if (name == "copy") return in.make_list(items, self.list()->is_tuple);
  fail_mutation(self, name);
}

Value call_loop_method(Interpreter& in, const Value& self, const std::string& name, CallArgs& a) {
  LoopState& l = *self.loop();
  if (name == "cycle") {
    if (a.pos.empty()) throw EvalError("no items for cycling given");
    return a.pos[static_cast<size_t>(l.index0) % a.pos.size()];
  }
  // changed(*values): true when the values differ from the previous call's.
  Value now = in.make_list(a.pos, true);
  bool changed = !l.has_changed_value || !equals(now, l.last_changed);
  l.has_changed_value = true;
  l.last_changed = now;
  return Value::boolean(changed);
}

}  // namespace

int find_test(std::string_view name) {
  for (size_t i = 0; i < std::size(kTests); ++i) {
    if (name == kTests[i].name) return static_cast<int>(i);
  }
  return -1;
}

bool apply_test(int id, Interpreter& in, const Value& subject, CallArgs& args) {
  return kTests[id].fn(in, subject, args);
}

const std::vector<std::string>& global_function_names() {
  static const std::vector<std::string> kNames = {"range", "dict", "namespace", "raise_exception",
                                                  "strftime_now"};
  return kNames;
}

Value call_global(Interpreter& in, const std::string& name, CallArgs& args) {
  if (name == "range") return global_range(in, args);
  if (name == "dict") return global_dict(in, args);
  if (name == "namespace") return global_namespace(in, args);
  if (name == "raise_exception") return global_raise_exception(in, args);
  if (name == "strftime_now") return global_strftime_now(in, args);
  throw EvalError(fmt::format("unknown function '{}'", name));
}

bool has_method(const Value& self, std::string_view name) {
  switch (self.kind()) {
    case Kind::kString: return is_str_method(name);
    case Kind::kList: return is_list_method(name);
    case Kind::kDict: return is_dict_method_name(name);
    case Kind::kLoop: return name == "cycle" || name == "changed";
    default: return false;
  }
}

Value call_method(Interpreter& in, const Value& self, const std::string& name, CallArgs& args) {
  switch (self.kind()) {
    case Kind::kString: return call_str_method(in, self, name, args);
    case Kind::kList: return call_list_method(in, self, name, args);
    case Kind::kDict: return call_dict_method(in, self, name, args);
    case Kind::kLoop: return call_loop_method(in, self, name, args);
    default: throw EvalError(fmt::format("'{}' object has no method '{}'", type_name(self), name));
  }
}

}  // namespace pio::jinja
