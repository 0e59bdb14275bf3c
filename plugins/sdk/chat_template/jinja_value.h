// The value model of the Jinja interpreter: Python's None/bool/int/float/str/list/tuple/dict plus
// jinja2's Undefined, namespace objects, callables and the loop object.
//
// Scalars and strings live inside Value (strings are shared, immutable). Containers and other
// objects are allocated in a per-render Heap and referenced by raw pointer: everything is freed at
// once when the render ends, so reference cycles (a namespace holding itself) cannot leak and deep
// nesting cannot overflow the stack in destructors. The Heap counts what it hands out so a hostile
// template cannot exhaust memory.
//
// Thread-safety: a Heap and the values pointing into it belong to one render on one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pio::jinja {

enum class Kind : uint8_t {
  kUndefined,
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kList,       // list or tuple (List::is_tuple)
  kDict,
  kNamespace,
  kCallable,
  kLoop,
};

struct Object;
struct List;
struct Dict;
struct Namespace;
struct Callable;
struct LoopState;

using StrPtr = std::shared_ptr<const std::string>;

class Value {
 public:
  Value() = default;
  static Value undefined(std::string hint = {});
  static Value none() { return Value(Kind::kNone); }
  static Value boolean(bool b) {
    Value v(Kind::kBool);
    v.u_.b = b;
    return v;
  }
  static Value integer(int64_t i) {
    Value v(Kind::kInt);
    v.u_.i = i;
    return v;
  }
  static Value floating(double f) {
    Value v(Kind::kFloat);
    v.u_.f = f;
    return v;
  }
  static Value string(std::string s);
  static Value string(StrPtr s);
  static Value object(List* list);
  static Value object(Dict* dict);
  static Value object(Namespace* ns);
  static Value object(Callable* callable);
  static Value object(LoopState* loop);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  // Python numbers: bool counts as int, as in Python.
  bool is_number() const { return kind_ == Kind::kBool || kind_ == Kind::kInt || kind_ == Kind::kFloat; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_namespace() const { return kind_ == Kind::kNamespace; }
  bool is_callable() const { return kind_ == Kind::kCallable; }

  bool as_bool() const { return u_.b; }
  int64_t as_int() const { return kind_ == Kind::kBool ? (u_.b ? 1 : 0) : u_.i; }
  double as_double() const { return kind_ == Kind::kFloat ? u_.f : static_cast<double>(as_int()); }
  const std::string& str() const { return *str_; }
  const StrPtr& str_ptr() const { return str_; }
  List* list() const;
  Dict* dict() const;
  Namespace* ns() const;
  Callable* callable() const;
  LoopState* loop() const;
  const Object* object_ptr() const { return u_.obj; }
  // For an undefined value: what was looked up, for error messages ("'x' is undefined").
  const std::string& undefined_hint() const;

 private:
  explicit Value(Kind k) : kind_(k) {}
  Kind kind_ = Kind::kUndefined;
  union {
    bool b;
    int64_t i;
    double f;
    Object* obj;
  } u_{};
  StrPtr str_;  // kString text, or kUndefined hint
};

struct Object {
  virtual ~Object() = default;
};

struct List : Object {
  std::vector<Value> items;
  bool is_tuple = false;
};

// A dict with string keys that keeps insertion order (like Python's).
struct Dict : Object {
  const Value* find(std::string_view key) const;
  void set(std::string_view key, Value v);
  size_t size() const { return entries.size(); }
  std::vector<std::pair<std::string, Value>> entries;

 private:
  void build_index() const;
  mutable std::unordered_map<std::string, size_t> index_;  // built for large dicts only
};

struct Namespace : Object {
  Dict attrs;
};

class Interpreter;
struct Stmt;
struct Scope;
struct CallArgs;

// Something `x(...)` can call: a template macro, a global function, or a method bound to a value.
struct Callable : Object {
  enum class Type { kMacro, kGlobal, kMethod };
  Type type = Type::kGlobal;
  std::string name;             // global / method name, or macro name
  const Stmt* macro = nullptr;  // kMacro: the macro statement
  Scope* closure = nullptr;     // kMacro: the scope the macro was defined in
  Value self;                   // kMethod: the receiver
};

// The `loop` variable inside a for loop (owns the items it iterates).
struct LoopState : Object {
  std::vector<Value> items;
  int64_t index0 = 0;
  int64_t length = 0;
  bool has_changed_value = false;
  Value last_changed;  // for loop.changed(...)
};

inline List* Value::list() const { return static_cast<List*>(u_.obj); }
inline Dict* Value::dict() const { return static_cast<Dict*>(u_.obj); }
inline Namespace* Value::ns() const { return static_cast<Namespace*>(u_.obj); }
inline Callable* Value::callable() const { return static_cast<Callable*>(u_.obj); }
inline LoopState* Value::loop() const { return static_cast<LoopState*>(u_.obj); }

// Owns every object created during one render and enforces allocation limits.
class Heap {
 public:
  explicit Heap(size_t max_objects) : max_objects_(max_objects) {}
  template <typename T>
  T* make() {
    check_budget();
    auto obj = std::make_unique<T>();
    T* raw = obj.get();
    objects_.push_back(std::move(obj));
    return raw;
  }
  // Counts `n` container elements against the same budget (lists of millions of items).
  void charge_elements(size_t n);

 private:
  void check_budget();
  std::vector<std::unique_ptr<Object>> objects_;
  size_t max_objects_;
  size_t used_ = 0;
};

}  // namespace pio::jinja
