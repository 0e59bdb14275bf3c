#include "jinja_ops.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "py_text.h"

namespace pio::jinja {

namespace {

void check_depth(int depth) {
  if (depth > kMaxValueDepth) {
    throw EvalError(fmt::format("value nested deeper than {} levels (or cyclic)", kMaxValueDepth));
  }
}

void repr_into(const Value& v, std::string& out, int depth);

void repr_dict_into(const Dict& d, std::string& out, int depth) {
  out += '{';
  bool first = true;
  for (const auto& [k, val] : d.entries) {
    if (!first) out += ", ";
    first = false;
    out += py_repr_string(k);
    out += ": ";
    repr_into(val, out, depth + 1);
  }
  out += '}';
}

void repr_into(const Value& v, std::string& out, int depth) {
  check_depth(depth);
  switch (v.kind()) {
    case Kind::kString:
      out += py_repr_string(v.str());
      return;
    case Kind::kList: {
      const List& l = *v.list();
      out += l.is_tuple ? '(' : '[';
      for (size_t i = 0; i < l.items.size(); ++i) {
        if (i) out += ", ";
        repr_into(l.items[i], out, depth + 1);
      }
      if (l.is_tuple && l.items.size() == 1) out += ',';
      out += l.is_tuple ? ')' : ']';
      return;
    }
    case Kind::kDict:
      repr_dict_into(*v.dict(), out, depth);
      return;
    case Kind::kNamespace:
      out += "<Namespace ";
      repr_dict_into(v.ns()->attrs, out, depth);
      out += '>';
      return;
    case Kind::kUndefined:
      out += "Undefined";
      return;
    default:
      out += to_str(v);
  }
}

int compare_numbers(const Value& a, const Value& b) {
  if (a.is_float() || b.is_float()) {
    double x = a.as_double(), y = b.as_double();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  int64_t x = a.as_int(), y = b.as_int();
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool equals_depth(const Value& a, const Value& b, int depth) {
  check_depth(depth);
  if (a.is_number() && b.is_number()) {
    if (a.is_float() && std::isnan(a.as_double())) return false;
    return compare_numbers(a, b) == 0;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kString:
      return a.str() == b.str();
    case Kind::kList: {
      const List& x = *a.list();
      const List& y = *b.list();
      if (x.is_tuple != y.is_tuple || x.items.size() != y.items.size()) return false;
      for (size_t i = 0; i < x.items.size(); ++i) {
        if (!equals_depth(x.items[i], y.items[i], depth + 1)) return false;
      }
      return true;
    }
    case Kind::kDict: {
      const Dict& x = *a.dict();
      const Dict& y = *b.dict();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.entries) {
        const Value* other = y.find(k);
        if (other == nullptr || !equals_depth(v, *other, depth + 1)) return false;
      }
      return true;
    }
    default:
      // Identity for namespaces, callables and loops.
      return a.object_ptr() == b.object_ptr();
  }
}

bool less_depth(const Value& a, const Value& b, int depth) {
  check_depth(depth);
  if (a.is_number() && b.is_number()) return compare_numbers(a, b) < 0;
  if (a.is_string() && b.is_string()) return a.str() < b.str();  // UTF-8 order == code point order
  if (a.is_list() && b.is_list() && a.list()->is_tuple == b.list()->is_tuple) {
    const auto& x = a.list()->items;
    const auto& y = b.list()->items;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!equals_depth(x[i], y[i], depth + 1)) return less_depth(x[i], y[i], depth + 1);
    }
    return x.size() < y.size();
  }
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  throw EvalError(fmt::format("'<' not supported between instances of '{}' and '{}'", type_name(a),
                              type_name(b)));
}

void json_string_into(std::string_view s, bool ensure_ascii, std::string& out) {
  out += '"';
  size_t pos = 0;
  while (pos < s.size()) {
    size_t start = pos;
    char32_t cp = utf8_next(s, pos);
    switch (cp) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (cp < 0x20 || (ensure_ascii && cp > 0x7E)) {
      if (cp >= 0x10000) {
        char32_t v = cp - 0x10000;
        out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
      } else {
        out += fmt::format("\\u{:04x}", static_cast<uint32_t>(cp));
      }
    } else {
      out.append(s.substr(start, pos - start));
    }
  }
  out += '"';
}

void json_newline(const JsonDumpOptions& o, int level, std::string& out) {
  out += '\n';
  for (int i = 0; i < level; ++i) out += o.indent;
}

void json_into(const Value& v, const JsonDumpOptions& o, int level, std::string& out) {
  check_depth(level);
  switch (v.kind()) {
    case Kind::kNone: out += "null"; return;
    case Kind::kBool: out += v.as_bool() ? "true" : "false"; return;
    case Kind::kInt: out += std::to_string(v.as_int()); return;
    case Kind::kFloat: {
      double d = v.as_double();
      if (std::isnan(d)) out += "NaN";
      else if (std::isinf(d)) out += d < 0 ? "-Infinity" : "Infinity";
      else out += py_float_repr(d);
      return;
    }
    case Kind::kString: json_string_into(v.str(), o.ensure_ascii, out); return;
    case Kind::kList: {
      const auto& items = v.list()->items;
      if (items.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += o.item_separator;
        if (o.has_indent) json_newline(o, level + 1, out);
        json_into(items[i], o, level + 1, out);
      }
      if (o.has_indent) json_newline(o, level, out);
      out += ']';
      return;
    }
    case Kind::kDict: {
      const Dict& d = *v.dict();
      if (d.entries.empty()) {
        out += "{}";
        return;
      }
      std::vector<const std::pair<std::string, Value>*> entries;
      for (const auto& e : d.entries) entries.push_back(&e);
      if (o.sort_keys) {
        std::stable_sort(entries.begin(), entries.end(),
                         [](const auto* x, const auto* y) { return x->first < y->first; });
      }
      out += '{';
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out += o.item_separator;
        if (o.has_indent) json_newline(o, level + 1, out);
        json_string_into(entries[i]->first, o.ensure_ascii, out);
        out += o.key_separator;
        json_into(entries[i]->second, o, level + 1, out);
      }
      if (o.has_indent) json_newline(o, level, out);
      out += '}';
      return;
    }
    default:
      throw EvalError(fmt::format("Object of type {} is not JSON serializable", type_name(v)));
  }
}

Value from_json_depth(const rapidjson::Value& j, Heap& heap, int depth, int max_depth) {
  if (depth > max_depth) {
    throw EvalError(fmt::format("context JSON nested deeper than {} levels", max_depth));
  }
  switch (j.GetType()) {
    case rapidjson::kNullType: return Value::none();
    case rapidjson::kFalseType: return Value::boolean(false);
    case rapidjson::kTrueType: return Value::boolean(true);
    case rapidjson::kStringType: return Value::string(std::string(j.GetString(), j.GetStringLength()));
    case rapidjson::kNumberType:
      if (j.IsInt64()) return Value::integer(j.GetInt64());
      return Value::floating(j.GetDouble());
    case rapidjson::kArrayType: {
      List* l = heap.make<List>();
      heap.charge_elements(j.Size());
      l->items.reserve(j.Size());
      for (const auto& e : j.GetArray()) l->items.push_back(from_json_depth(e, heap, depth + 1, max_depth));
      return Value::object(l);
    }
    case rapidjson::kObjectType: {
      Dict* d = heap.make<Dict>();
      heap.charge_elements(j.MemberCount());
      for (const auto& m : j.GetObject()) {
        d->set(std::string_view(m.name.GetString(), m.name.GetStringLength()),
               from_json_depth(m.value, heap, depth + 1, max_depth));
      }
      return Value::object(d);
    }
  }
  return Value::none();
}

void to_json_depth(const Value& v, rapidjson::Value& out, rapidjson::Document::AllocatorType& alloc,
                   int depth) {
  check_depth(depth);
  switch (v.kind()) {
    case Kind::kNone: out.SetNull(); return;
    case Kind::kBool: out.SetBool(v.as_bool()); return;
    case Kind::kInt: out.SetInt64(v.as_int()); return;
    case Kind::kFloat: out.SetDouble(v.as_double()); return;
    case Kind::kString:
      out.SetString(v.str().data(), static_cast<rapidjson::SizeType>(v.str().size()), alloc);
      return;
    case Kind::kList:
      out.SetArray();
      for (const Value& item : v.list()->items) {
        rapidjson::Value e;
        to_json_depth(item, e, alloc, depth + 1);
        out.PushBack(e, alloc);
      }
      return;
    case Kind::kDict:
      out.SetObject();
      for (const auto& [k, item] : v.dict()->entries) {
        rapidjson::Value key(k.data(), static_cast<rapidjson::SizeType>(k.size()), alloc);
        rapidjson::Value e;
        to_json_depth(item, e, alloc, depth + 1);
        out.AddMember(key, e, alloc);
      }
      return;
    default:
      throw EvalError(fmt::format("Object of type {} is not JSON serializable", type_name(v)));
  }
}

}  // namespace

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined: return "Undefined";
    case Kind::kNone: return "NoneType";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kList: return v.list()->is_tuple ? "tuple" : "list";
    case Kind::kDict: return "dict";
    case Kind::kNamespace: return "Namespace";
    case Kind::kCallable: return "function";
    case Kind::kLoop: return "LoopContext";
  }
  return "object";
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
    case Kind::kNone: return false;
    case Kind::kBool: return v.as_bool();
    case Kind::kInt: return v.as_int() != 0;
    case Kind::kFloat: return v.as_double() != 0.0;
    case Kind::kString: return !v.str().empty();
    case Kind::kList: return !v.list()->items.empty();
    case Kind::kDict: return v.dict()->size() != 0;
    default: return true;
  }
}

std::string to_str(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined: return "";
    case Kind::kNone: return "None";
    case Kind::kBool: return v.as_bool() ? "True" : "False";
    case Kind::kInt: return std::to_string(v.as_int());
    case Kind::kFloat: return py_float_repr(v.as_double());
    case Kind::kString: return v.str();
    case Kind::kCallable: return "<function " + v.callable()->name + ">";
    case Kind::kLoop: return fmt::format("<LoopContext {}/{}>", v.loop()->index0 + 1, v.loop()->length);
    default: {
      std::string out;
      repr_into(v, out, 0);
      return out;
    }
  }
}

std::string repr(const Value& v) {
  std::string out;
  repr_into(v, out, 0);
  return out;
}

bool equals(const Value& a, const Value& b) { return equals_depth(a, b, 0); }

bool less_than(const Value& a, const Value& b) { return less_depth(a, b, 0); }

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Kind::kString:
      if (!item.is_string()) {
        throw EvalError(fmt::format("'in <string>' requires string as left operand, not {}", type_name(item)));
      }
      return container.str().find(item.str()) != std::string::npos;
    case Kind::kList:
      for (const Value& e : container.list()->items) {
        if (equals(e, item)) return true;
      }
      return false;
    case Kind::kDict:
      return item.is_string() && container.dict()->find(item.str()) != nullptr;
    case Kind::kUndefined:
      return false;  // jinja2's Undefined iterates as empty
    default:
      throw EvalError(fmt::format("argument of type '{}' is not iterable", type_name(container)));
  }
}

int64_t length_of(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined: return 0;
    case Kind::kString: return static_cast<int64_t>(utf8_length(v.str()));
    case Kind::kList: return static_cast<int64_t>(v.list()->items.size());
    case Kind::kDict: return static_cast<int64_t>(v.dict()->size());
    default: throw EvalError(fmt::format("object of type '{}' has no len()", type_name(v)));
  }
}

void fail_undefined(const Value& v) {
  const std::string& hint = v.undefined_hint();
  if (hint.empty()) throw EvalError("undefined value used");
  throw EvalError(hint);
}

std::string json_dumps(const Value& v, const JsonDumpOptions& options) {
  std::string out;
  json_into(v, options, 0, out);
  return out;
}

Value from_json(const rapidjson::Value& json, Heap& heap, int max_depth) {
  return from_json_depth(json, heap, 0, max_depth);
}

void to_json(const Value& v, rapidjson::Value& out, rapidjson::Document::AllocatorType& alloc) {
  to_json_depth(v, out, alloc, 0);
}

}  // namespace pio::jinja
