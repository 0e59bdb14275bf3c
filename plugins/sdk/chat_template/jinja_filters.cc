// Jinja filters (`x | name(args)`), with jinja2's semantics and transformers' tojson.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iterator>

#include <fmt/format.h>

#include "jinja_builtins.h"
#include "jinja_interpreter.h"
#include "jinja_ops.h"
#include "py_text.h"

namespace pio::jinja {

namespace {

using FilterFn = Value (*)(Interpreter&, const Value&, CallArgs&);

const std::string& str_arg(const Value* v, std::string_view what) {
  if (v == nullptr || !v->is_string()) {
    throw EvalError(fmt::format("{} must be a string, not {}", what, v ? type_name(*v) : "nothing"));
  }
  return v->str();
}

bool bool_arg(const Value* v, bool dflt) { return v == nullptr ? dflt : truthy(*v); }

// jinja2's make_attrgetter: "a.b.0" walks attributes/items.
Value get_path(Interpreter& in, const Value& item, const Value& attribute) {
  if (attribute.is_int()) return in.get_item(item, attribute);
  std::string path = to_str(attribute);
  Value cur = item;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (numeric) {
      cur = in.get_item(cur, Value::integer(std::strtoll(part.c_str(), nullptr, 10)));
    } else {
      // environment.getitem: item first, then attribute.
      cur = in.get_item(cur, Value::string(part));
    }
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

// Sort key used by sort/unique/min/max: lower-cased strings unless case_sensitive.
Value sort_key(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value::string(py_lower(v.str()));
  return v;
}

Value f_abs(Interpreter&, const Value& v, CallArgs& a) {
  a.check("abs", 0, {});
  if (v.is_float()) return Value::floating(std::fabs(v.as_double()));
  if (v.is_int() || v.is_bool()) {
    if (v.as_int() == std::numeric_limits<int64_t>::min()) throw EvalError("integer overflow");
    return Value::integer(v.as_int() < 0 ? -v.as_int() : v.as_int());
  }
  if (v.is_undefined()) fail_undefined(v);
  throw EvalError(fmt::format("bad operand type for abs(): '{}'", type_name(v)));
}

Value f_attr(Interpreter& in, const Value& v, CallArgs& a) {
  a.check("attr", 1, {"name"});
  const std::string& name = str_arg(a.get(0, "name"), "attr name");
  if (v.is_dict()) {
    if (has_method(v, name)) return in.get_attr(v, name);
    return Value::undefined(fmt::format("'dict object' has no attribute '{}'", name));
  }
  return in.get_attr(v, name);
}

Value f_capitalize(Interpreter&, const Value& v, CallArgs&) { return Value::string(py_capitalize(to_str(v))); }

Value f_length(Interpreter&, const Value& v, CallArgs& a) {
  a.check("length", 0, {});
  return Value::integer(length_of(v));
}

Value f_default(Interpreter&, const Value& v, CallArgs& a) {
  a.check("default", 2, {"default_value", "boolean"});
  const Value* dflt = a.get(0, "default_value");
  bool boolean = bool_arg(a.get(1, "boolean"), false);
  if (v.is_undefined() || (boolean && !truthy(v))) return dflt ? *dflt : Value::string("");
  return v;
}

Value f_dictsort(Interpreter& in, const Value& v, CallArgs& a) {
  a.check("dictsort", 3, {"case_sensitive", "by", "reverse"});
  if (!v.is_dict()) throw EvalError("You can only sort by either mapping");
  bool cs = bool_arg(a.get(0, "case_sensitive"), false);
  const Value* by = a.get(1, "by");
  bool by_value = by && by->is_string() && by->str() == "value";
  bool reverse = bool_arg(a.get(2, "reverse"), false);
  std::vector<std::pair<std::string, Value>> entries = v.dict()->entries;
  std::stable_sort(entries.begin(), entries.end(), [&](const auto& x, const auto& y) {
    Value kx = by_value ? x.second : Value::string(x.first);
    Value ky = by_value ? y.second : Value::string(y.first);
    return reverse ? less_than(sort_key(ky, cs), sort_key(kx, cs)) : less_than(sort_key(kx, cs), sort_key(ky, cs));
  });
  std::vector<Value> out;
  for (auto& [k, val] : entries) out.push_back(in.make_list({Value::string(k), val}, true));
  return in.make_list(std::move(out));
}

Value f_escape(Interpreter& in, const Value& v, CallArgs&) {
  std::string s = to_str(v);
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return in.make_string(std::move(out));
}

Value f_first(Interpreter& in, const Value& v, CallArgs&) {
  if (v.is_list()) {
    if (!v.list()->items.empty()) return v.list()->items.front();
  } else {
    auto items = in.iterate(v);
    if (!items.empty()) return items.front();
  }
  return Value::undefined("No first item, sequence was empty.");
}

Value f_last(Interpreter& in, const Value& v, CallArgs&) {
  if (v.is_list()) {
    if (!v.list()->items.empty()) return v.list()->items.back();
  } else {
    auto items = in.iterate(v);
    if (!items.empty()) return items.back();
  }
  return Value::undefined("No last item, sequence was empty.");
}

bool parse_py_float(std::string s, double& out) {
  s = py_strip(s, nullptr, true, true);
  s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
  if (s.empty()) return false;
  std::string lower = py_lower(s);
  const char* p = lower.c_str();
  if (*p == '+' || *p == '-') ++p;
  std::string_view body(p);
  if (body == "inf" || body == "infinity" || body == "nan") {
    out = std::strtod(lower.c_str(), nullptr);
    return true;
  }
  if (body.find_first_not_of("0123456789.e+-") != std::string_view::npos) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

Value f_float(Interpreter&, const Value& v, CallArgs& a) {
  a.check("float", 1, {"default"});
  const Value* dflt = a.get(0, "default");
  if (v.is_number()) return Value::floating(v.as_double());
  double d;
  if (v.is_string() && parse_py_float(v.str(), d)) return Value::floating(d);
  return dflt ? *dflt : Value::floating(0.0);
}

Value f_int(Interpreter&, const Value& v, CallArgs& a) {
  a.check("int", 2, {"default", "base"});
  const Value* dflt = a.get(0, "default");
  const Value* base_v = a.get(1, "base");
  int base = base_v && base_v->is_int() ? static_cast<int>(base_v->as_int()) : 10;
  Value fallback = dflt ? *dflt : Value::integer(0);
  if (v.is_int() || v.is_bool()) return Value::integer(v.as_int());
  if (v.is_float()) {
    double d = v.as_double();
    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return fallback;
    return Value::integer(static_cast<int64_t>(d));
  }
  if (!v.is_string()) return fallback;
  std::string s = py_strip(v.str(), nullptr, true, true);
  s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
  if (!s.empty() && base >= 2 && base <= 36) {
    errno = 0;
    char* end = nullptr;
    long long r = std::strtoll(s.c_str(), &end, base);
    if (errno == 0 && end == s.c_str() + s.size()) return Value::integer(r);
  }
  double d;
  if (parse_py_float(v.str(), d) && std::isfinite(d) && std::fabs(d) < 9.2e18) {
    return Value::integer(static_cast<int64_t>(d));
  }
  return fallback;
}

Value f_items(Interpreter& in, const Value& v, CallArgs& a) {
  a.check("items", 0, {});
  if (v.is_undefined()) return in.make_list({});
  if (!v.is_dict()) throw EvalError("Can only get item pairs from a mapping.");
  std::vector<Value> out;
  out.reserve(v.dict()->size());
  for (const auto& [k, val] : v.dict()->entries) out.push_back(in.make_list({Value::string(k), val}, true));
  return in.make_list(std::move(out));
}

Value f_join(Interpreter& in, const Value& v, CallArgs& a) {
  a.check("join", 2, {"d", "attribute"});
  const Value* d = a.get(0, "d");
  std::string sep = d ? to_str(*d) : "";
  const Value* attribute = a.get(1, "attribute");
  std::string out;
  bool first = true;
  for (const Value& item : in.iterate(v)) {
    if (!first) out += sep;
    first = false;
    Value x = attribute ? get_path(in, item, *attribute) : item;
    out += x.is_string() ? x.str() : to_str(x);
    in.check_string_size(out.size());
  }
  return Value::string(std::move(out));
}

Value f_list(Interpreter& in, const Value& v, CallArgs&) { return in.make_list(in.iterate(v)); }

Value f_lower(Interpreter&, const Value& v, CallArgs&) { return Value::string(py_lower(to_str(v))); }
Value f_upper(Interpreter&, const Value& v, CallArgs&) { return Value::string(py_upper(to_str(v))); }

Value f_map(Interpreter& in, const Value& v, CallArgs& a) {
  std::vector<Value> out;
  const Value* attribute = a.find_kw("attribute");
  if (attribute != nullptr) {
    const Value* dflt = a.find_kw("default");
    for (const Value& item : in.iterate(v)) {
      Value x = get_path(in, item, *attribute);
      if (x.is_undefined() && dflt) x = *dflt;
      out.push_back(std::move(x));
    }
    return in.make_list(std::move(out));
  }
  if (a.pos.empty()) return in.make_list(in.iterate(v));
  const std::string& name = str_arg(&a.pos[0], "map filter name");
  int id = find_filter(name);
  if (id < 0) throw EvalError(fmt::format("no filter named '{}'", name));
  CallArgs rest;
  rest.pos.assign(a.pos.begin() + 1, a.pos.end());
  rest.kw = a.kw;
  for (const Value& item : in.iterate(v)) {
    CallArgs copy = rest;
    out.push_back(apply_filter(id, in, item, copy));
  }
  return in.make_list(std::move(out));
}

Value min_max(Interpreter& in, const Value& v, CallArgs& a, bool want_max) {
  a.check(want_max ? "max" : "min", 2, {"case_sensitive", "attribute"});
  bool cs = bool_arg(a.get(0, "case_sensitive"), false);
  const Value* attribute = a.get(1, "attribute");
  auto items = in.iterate(v);
  if (items.empty()) return Value::undefined(fmt::format("No aggregated item, sequence was empty."));
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    Value ki = sort_key(attribute ? get_path(in, items[i], *attribute) : items[i], cs);
    Value kb = sort_key(attribute ? get_path(in, items[best], *attribute) : items[best], cs);
    if (want_max ? less_than(kb, ki) : less_than(ki, kb)) best = i;
  }
  return items[best];
}

Value f_max(Interpreter& in, const Value& v, CallArgs& a) { return min_max(in, v, a, true); }
Value f_min(Interpreter& in, const Value& v, CallArgs& a) { return min_max(in, v, a, false); }

Value select_impl(Interpreter& in, const Value& v, CallArgs& a, bool by_attr, bool keep) {
  size_t next = 0;
  Value attribute;
  if (by_attr) {
    if (a.pos.empty()) throw EvalError("selectattr/rejectattr need an attribute name");
    attribute = a.pos[0];
    next = 1;
  }
  int test_id = -1;
  CallArgs test_args;
  if (a.pos.size() > next) {
    const std::string& name = str_arg(&a.pos[next], "test name");
    test_id = find_test(name);
    if (test_id < 0) throw EvalError(fmt::format("no test named '{}'", name));
    test_args.pos.assign(a.pos.begin() + static_cast<long>(next) + 1, a.pos.end());
  }
  std::vector<Value> out;
  for (const Value& item : in.iterate(v)) {
    Value subject = by_attr ? get_path(in, item, attribute) : item;
    bool r;
    if (test_id < 0) {
      r = truthy(subject);
    } else {
      CallArgs copy = test_args;
      r = apply_test(test_id, in, subject, copy);
    }
    if (r == keep) out.push_back(item);
  }
  return in.make_list(std::move(out));
}

Value f_select(Interpreter& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, false, true); }
Value f_reject(Interpreter& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, false, false); }
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, true, true); }
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_impl(in, v, a, true, false); }

Value f_replace(Interpreter& in, const Value& v, CallArgs& a) {
  a.check("replace", 3, {"old", "new", "count"});
  std::string s = to_str(v);
  const std::string& old_text = str_arg(a.get(0, "old"), "replace old");
  const std::string& new_text = str_arg(a.get(1, "new"), "replace new");
  const Value* c = a.get(2, "count");
  int64_t count = c && !c->is_none() ? c->as_int() : -1;
  int64_t hits = old_text.empty() ? static_cast<int64_t>(utf8_length(s)) + 1 : py_count(s, old_text);
  if (count >= 0) hits = std::min(hits, count);
  in.charge_bytes(s.size());
  in.check_string_size(s.size() + static_cast<size_t>(hits) * new_text.size());
  return Value::string(py_replace(s, old_text, new_text, count));
}

Value f_reverse(Interpreter& in, const Value& v, CallArgs&) {
  if (v.is_string()) {
    auto chars = utf8_chars(v.str());
    std::string out;
    for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
    return Value::string(std::move(out));
  }
  auto items = in.iterate(v);
  std::reverse(items.begin(), items.end());
  return in.make_list(std::move(items));
}

Value f_round(Interpreter&, const Value& v, CallArgs& a) {
  a.check("round", 2, {"precision", "method"});
  const Value* p = a.get(0, "precision");
  int64_t precision = p ? p->as_int() : 0;
  const Value* m = a.get(1, "method");
  std::string method = m ? to_str(*m) : "common";
  if (!v.is_number()) throw EvalError(fmt::format("type {} doesn't define __round__ method", type_name(v)));
  double x = v.as_double();
  if (precision < -20 || precision > 20) throw EvalError("round precision out of range");
  if (method == "common") {
    if (precision >= 0) {
      // printf rounds the exact binary value half-to-even, as Python's round() does.
      return Value::floating(std::strtod(fmt::format("{:.{}f}", x, precision).c_str(), nullptr));
    }
    double scale = std::pow(10.0, static_cast<double>(-precision));
    return Value::floating(std::nearbyint(x / scale) * scale);
  }
  double scale = std::pow(10.0, static_cast<double>(precision));
  if (method == "floor") return Value::floating(std::floor(x * scale) / scale);
  if (method == "ceil") return Value::floating(std::ceil(x * scale) / scale);
  throw EvalError("method must be common, ceil or floor");
}

Value f_safe(Interpreter&, const Value& v, CallArgs&) { return v; }

Value f_sort(Interpreter& in, const Value& v, CallArgs& a) {
  a.check("sort", 3, {"reverse", "case_sensitive", "attribute"});
  bool reverse = bool_arg(a.get(0, "reverse"), false);
  bool cs = bool_arg(a.get(1, "case_sensitive"), false);
  const Value* attribute = a.get(2, "attribute");
  auto items = in.iterate(v);
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : items) keyed.emplace_back(sort_key(attribute ? get_path(in, item, *attribute) : item, cs), item);
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? less_than(y.first, x.first) : less_than(x.first, y.first);
  });
  std::vector<Value> out;
  for (auto& [k, item] : keyed) out.push_back(item);
  return in.make_list(std::move(out));
}

Value f_string(Interpreter&, const Value& v, CallArgs&) { return v.is_string() ? v : Value::string(to_str(v)); }

Value f_sum(Interpreter& in, const Value& v, CallArgs& a) {
  a.check("sum", 2, {"attribute", "start"});
  const Value* attribute = a.get(0, "attribute");
  const Value* start = a.get(1, "start");
  Value total = start ? *start : Value::integer(0);
  for (const Value& item : in.iterate(v)) {
    Value x = attribute ? get_path(in, item, *attribute) : item;
    if (!total.is_number() || !x.is_number()) {
      throw EvalError(fmt::format("unsupported operand type(s) for +: '{}' and '{}'", type_name(total), type_name(x)));
    }
    if (total.is_float() || x.is_float()) {
      total = Value::floating(total.as_double() + x.as_double());
    } else {
      int64_t r;
      if (__builtin_add_overflow(total.as_int(), x.as_int(), &r)) throw EvalError("integer overflow");
      total = Value::integer(r);
    }
  }
  return total;
}

// jinja2's title filter: capitalise after runs of whitespace, '-', and opening brackets.
Value f_title(Interpreter&, const Value& v, CallArgs&) {
  std::string s = to_str(v);
  std::string out;
  bool at_word_start = true;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t start = pos;
    char32_t cp = utf8_next(s, pos);
    bool boundary = py_isspace(cp) || cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<';
    std::string_view ch(s.data() + start, pos - start);
    if (boundary) {
      out += ch;
      at_word_start = true;
    } else if (at_word_start) {
      out += py_upper(ch);
      at_word_start = false;
    } else {
      out += py_lower(ch);
    }
  }
  return Value::string(std::move(out));
}

// transformers' tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
Value f_tojson(Interpreter& in, const Value& v, CallArgs& a) {
  a.check("tojson", 4, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions o;
  o.ensure_ascii = bool_arg(a.get(0, "ensure_ascii"), false);
  const Value* indent = a.get(1, "indent");
  if (indent && !indent->is_none()) {
    o.has_indent = true;
    if (indent->is_string()) {
      o.indent = indent->str();
    } else if (indent->is_int() || indent->is_bool()) {
      int64_t n = indent->as_int();
      o.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(n, 0, 64)), ' ');
    } else {
      throw EvalError("tojson indent must be an integer or a string");
    }
    o.item_separator = ",";
  }
  const Value* seps = a.get(2, "separators");
  if (seps && !seps->is_none()) {
    if (!seps->is_list() || seps->list()->items.size() != 2 || !seps->list()->items[0].is_string() ||
        !seps->list()->items[1].is_string()) {
      throw EvalError("tojson separators must be a pair of strings");
    }
    o.item_separator = seps->list()->items[0].str();
    o.key_separator = seps->list()->items[1].str();
  }
  o.sort_keys = bool_arg(a.get(3, "sort_keys"), false);
  std::string out = json_dumps(v, o);
  in.charge_bytes(out.size());
  return in.make_string(std::move(out));
}

Value f_trim(Interpreter&, const Value& v, CallArgs& a) {
  a.check("trim", 1, {"chars"});
  const Value* chars = a.get(0, "chars");
  const std::string* set = chars && !chars->is_none() ? &str_arg(chars, "trim chars") : nullptr;
  return Value::string(py_strip(to_str(v), set, true, true));
}

Value f_unique(Interpreter& in, const Value& v, CallArgs& a) {
  a.check("unique", 2, {"case_sensitive", "attribute"});
  bool cs = bool_arg(a.get(0, "case_sensitive"), false);
  const Value* attribute = a.get(1, "attribute");
  std::vector<Value> out, seen;
  for (const Value& item : in.iterate(v)) {
    Value key = sort_key(attribute ? get_path(in, item, *attribute) : item, cs);
    bool dup = false;
    for (const Value& s : seen) {
      if (equals(s, key)) {
        dup = true;
        break;
      }
    }
    in.charge(seen.size());
    if (!dup) {
      seen.push_back(key);
      out.push_back(item);
    }
  }
  return in.make_list(std::move(out));
}

Value f_indent(Interpreter& in, const Value& v, CallArgs& a) {
  a.check("indent", 3, {"width", "first", "blank"});
  const Value* w = a.get(0, "width");
  std::string indention = w && w->is_string() ? w->str() : std::string(static_cast<size_t>(std::clamp<int64_t>(w ? w->as_int() : 4, 0, 256)), ' ');
  bool first = bool_arg(a.get(1, "first"), false);
  bool blank = bool_arg(a.get(2, "blank"), false);
  std::string s = to_str(v) + "\n";
  auto lines = py_splitlines(s);
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + indention;
      rv += lines[i];
    }
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].empty()) rv += indention;
      rv += lines[i];
    }
  }
  if (first) rv = indention + rv;
  return in.make_string(std::move(rv));
}

Value f_wordcount(Interpreter&, const Value& v, CallArgs&) {
  return Value::integer(static_cast<int64_t>(py_split(to_str(v), nullptr, -1).size()));
}

Value f_center(Interpreter& in, const Value& v, CallArgs& a) {
  a.check("center", 1, {"width"});
  std::string s = to_str(v);
  const Value* w = a.get(0, "width");
  int64_t width = w ? w->as_int() : 80;
  int64_t len = static_cast<int64_t>(utf8_length(s));
  if (width <= len) return Value::string(s);
  int64_t marg = width - len;
  in.check_string_size(static_cast<size_t>(width));
  int64_t left = marg / 2 + (marg & width & 1);  // CPython's str.center rounding
  return Value::string(std::string(static_cast<size_t>(left), ' ') + s + std::string(static_cast<size_t>(marg - left), ' '));
}

struct FilterEntry {
  const char* name;
  FilterFn fn;
};

const FilterEntry kFilters[] = {
    {"abs", f_abs},           {"attr", f_attr},         {"capitalize", f_capitalize},
    {"center", f_center},     {"count", f_length},      {"d", f_default},
    {"default", f_default},   {"dictsort", f_dictsort}, {"e", f_escape},
    {"escape", f_escape},     {"first", f_first},       {"float", f_float},
    {"indent", f_indent},     {"int", f_int},           {"items", f_items},
    {"join", f_join},         {"last", f_last},         {"length", f_length},
    {"list", f_list},         {"lower", f_lower},       {"map", f_map},
    {"max", f_max},           {"min", f_min},           {"reject", f_reject},
    {"rejectattr", f_rejectattr}, {"replace", f_replace}, {"reverse", f_reverse},
    {"round", f_round},       {"safe", f_safe},         {"select", f_select},
    {"selectattr", f_selectattr}, {"sort", f_sort},     {"string", f_string},
    {"sum", f_sum},           {"title", f_title},       {"tojson", f_tojson},
    {"trim", f_trim},         {"unique", f_unique},     {"upper", f_upper},
    {"wordcount", f_wordcount},
};

}  // namespace

int find_filter(std::string_view name) {
  for (size_t i = 0; i < std::size(kFilters); ++i) {
    if (name == kFilters[i].name) return static_cast<int>(i);
  }
  return -1;
}

Value apply_filter(int id, Interpreter& in, const Value& subject, CallArgs& args) {
  return kFilters[id].fn(in, subject, args);
}

}  // namespace pio::jinja
