#include "jinja_value.h"

#include "jinja_ops.h"

namespace pio::jinja {

namespace {
constexpr size_t kIndexThreshold = 16;  // linear search below this many keys
}

Value Value::undefined(std::string hint) {
  Value v(Kind::kUndefined);
  if (!hint.empty()) v.str_ = std::make_shared<const std::string>(std::move(hint));
  return v;
}

Value Value::string(std::string s) {
  Value v(Kind::kString);
  v.str_ = std::make_shared<const std::string>(std::move(s));
  return v;
}

Value Value::string(StrPtr s) {
  Value v(Kind::kString);
  v.str_ = std::move(s);
  return v;
}

#define PIO_JINJA_OBJECT_CTOR(Type, kind_value)  \
  Value Value::object(Type* p) {                 \
    Value v(kind_value);                         \
    v.u_.obj = p;                                \
    return v;                                    \
  }
PIO_JINJA_OBJECT_CTOR(List, Kind::kList)
PIO_JINJA_OBJECT_CTOR(Dict, Kind::kDict)
PIO_JINJA_OBJECT_CTOR(Namespace, Kind::kNamespace)
PIO_JINJA_OBJECT_CTOR(Callable, Kind::kCallable)
PIO_JINJA_OBJECT_CTOR(LoopState, Kind::kLoop)
#undef PIO_JINJA_OBJECT_CTOR

const std::string& Value::undefined_hint() const {
  static const std::string kEmpty;
  return str_ ? *str_ : kEmpty;
}

const Value* Dict::find(std::string_view key) const {
  if (entries.size() < kIndexThreshold) {
    for (const auto& [k, v] : entries) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  if (index_.size() != entries.size()) build_index();
  auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &entries[it->second].second;
}

void Dict::set(std::string_view key, Value v) {
  if (const Value* existing = find(key)) {
    // Python keeps the key's original position when a value is replaced.
    *const_cast<Value*>(existing) = std::move(v);
    return;
  }
  entries.emplace_back(std::string(key), std::move(v));
  if (!index_.empty()) index_.emplace(entries.back().first, entries.size() - 1);
}

void Dict::build_index() const {
  index_.clear();
  for (size_t i = 0; i < entries.size(); ++i) index_.emplace(entries[i].first, i);
}

void Heap::check_budget() {
  if (++used_ > max_objects_) {
    throw EvalError("template allocated more than " + std::to_string(max_objects_) +
                    " objects/elements (limit)");
  }
}

void Heap::charge_elements(size_t n) {
  used_ += n;
  if (used_ > max_objects_) {
    throw EvalError("template allocated more than " + std::to_string(max_objects_) +
                    " objects/elements (limit)");
  }
}

}  // namespace pio::jinja
