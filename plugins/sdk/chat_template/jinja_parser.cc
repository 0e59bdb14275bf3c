#include "jinja_parser.h"

#include <algorithm>
#include <initializer_list>

#include "jinja_builtins.h"
#include "jinja_lexer.h"
#include "pio/sdk/error.h"

namespace pio::jinja {

namespace {

constexpr int kMaxExprDepth = 200;    // height of one expression tree
constexpr int kMaxNesting = 100;      // nested parentheses / blocks while parsing

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  Template parse() {
    Template t;
    std::string end;
    t.body = parse_body({}, end);
    return t;
  }

 private:
  // ---- token helpers -------------------------------------------------------------------------
  const Token& cur() const { return toks_[i_]; }
  const Token& peek(size_t k = 1) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
  void advance() {
    if (i_ + 1 < toks_.size()) ++i_;
  }
  bool is_op(std::string_view op) const { return cur().type == TokenType::kOperator && cur().value == op; }
  bool is_name(std::string_view n) const { return cur().type == TokenType::kName && cur().value == n; }
  bool skip_op(std::string_view op) {
    if (!is_op(op)) return false;
    advance();
    return true;
  }
  bool skip_name(std::string_view n) {
    if (!is_name(n)) return false;
    advance();
    return true;
  }

  static std::string describe(const Token& t) {
    switch (t.type) {
      case TokenType::kData: return "template data";
      case TokenType::kVarBegin: return "'{{'";
      case TokenType::kVarEnd: return "end of print statement '}}'";
      case TokenType::kBlockBegin: return "'{%'";
      case TokenType::kBlockEnd: return "end of statement block '%}'";
      case TokenType::kEof: return "end of template";
      case TokenType::kString: return "string";
      case TokenType::kInteger: case TokenType::kFloat: return "number '" + t.value + "'";
      default: return "'" + t.value + "'";
    }
  }

  [[noreturn]] void fail(const std::string& what) { fail_at(cur().line, what); }
  [[noreturn]] static void fail_at(int line, const std::string& what) {
    throw_error(ErrorCode::kBadFormat, "chat template line {}: {}", line, what);
  }
  [[noreturn]] static void unsupported(int line, const std::string& what) {
    throw_error(ErrorCode::kUnsupported, "chat template line {}: unsupported construct: {}", line, what);
  }

  void expect_op(std::string_view op) {
    if (!skip_op(op)) fail("expected '" + std::string(op) + "', got " + describe(cur()));
  }
  std::string expect_name() {
    if (cur().type != TokenType::kName) fail("expected a name, got " + describe(cur()));
    std::string n = cur().value;
    advance();
    return n;
  }
  void expect_block_end() {
    if (cur().type != TokenType::kBlockEnd) fail("expected end of statement block '%}', got " + describe(cur()));
    advance();
  }

  struct NestGuard {
    explicit NestGuard(Parser& p) : p_(p) {
      if (++p_.nesting_ > kMaxNesting) p_.fail("template nested too deeply");
    }
    ~NestGuard() { --p_.nesting_; }
    Parser& p_;
  };

  ExprPtr node(ExprKind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
  }
  // Recomputes the height after children were attached and bounds it.
  ExprPtr finish(ExprPtr e) {
    int d = 0;
    for (const auto& a : e->args) {
      if (a) d = std::max(d, a->depth);
    }
    for (const auto& [k, a] : e->kwargs) d = std::max(d, a->depth);
    e->depth = d + 1;
    if (e->depth > kMaxExprDepth) fail_at(e->line, "expression nested too deeply");
    return e;
  }
  ExprPtr unary(ExprKind kind, int line, ExprPtr operand) {
    auto e = node(kind, line);
    e->args.push_back(std::move(operand));
    return finish(std::move(e));
  }
  ExprPtr binary(ExprKind kind, const std::string& op, int line, ExprPtr a, ExprPtr b) {
    auto e = node(kind, line);
    e->name = op;
    e->args.push_back(std::move(a));
    e->args.push_back(std::move(b));
    return finish(std::move(e));
  }

  // ---- statements ----------------------------------------------------------------------------
  // Parses until `{% <one of end_names>` and consumes that keyword (reported in `end`); the
  // caller handles the rest of that tag. With no end names, parses to the end of the template.
  StmtList parse_body(std::initializer_list<std::string_view> end_names, std::string& end) {
    NestGuard guard(*this);
    StmtList body;
    while (true) {
      const Token& t = cur();
      if (t.type == TokenType::kEof) {
        if (end_names.size() == 0) return body;
        std::string names;
        for (auto n : end_names) names += (names.empty() ? "'" : " or '") + std::string(n) + "'";
        fail("unexpected end of template, expected " + names);
      }
      if (t.type == TokenType::kData) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::kText;
        s->line = t.line;
        s->text = t.value;
        body.push_back(std::move(s));
        advance();
      } else if (t.type == TokenType::kVarBegin) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::kOutput;
        s->line = t.line;
        advance();
        s->expr = parse_tuple(true, {}, false);
        if (cur().type != TokenType::kVarEnd) fail("expected end of print statement '}}', got " + describe(cur()));
        advance();
        body.push_back(std::move(s));
      } else if (t.type == TokenType::kBlockBegin) {
        advance();
        if (cur().type != TokenType::kName) fail("expected a statement name, got " + describe(cur()));
        const std::string& kw = cur().value;
        if (std::find(end_names.begin(), end_names.end(), kw) != end_names.end()) {
          end = kw;
          advance();
          return body;
        }
        body.push_back(parse_statement());
      } else {
        fail("unexpected " + describe(t));
      }
    }
  }

  StmtPtr parse_statement() {
    int line = cur().line;
    std::string kw = cur().value;
    advance();
    auto s = std::make_unique<Stmt>();
    s->line = line;
    if (kw == "if") {
      s->kind = StmtKind::kIf;
      parse_if(*s);
    } else if (kw == "for") {
      s->kind = StmtKind::kFor;
      parse_for(*s);
    } else if (kw == "set") {
      parse_set(*s);
    } else if (kw == "macro") {
      s->kind = StmtKind::kMacro;
      parse_macro(*s);
    } else if (kw == "break" || kw == "continue") {
      if (loop_depth_ == 0) fail_at(line, "'" + kw + "' outside of a for loop");
      s->kind = kw == "break" ? StmtKind::kBreak : StmtKind::kContinue;
      expect_block_end();
    } else if (kw == "filter") {
      s->kind = StmtKind::kFilterBlock;
      s->expr = parse_filter(nullptr, true);
      expect_block_end();
      std::string end;
      s->body = parse_body({"endfilter"}, end);
      expect_block_end();
    } else if (kw == "generation") {
      // transformers' AssistantTracker tag: renders its body in place.
      s->kind = StmtKind::kScopeBlock;
      expect_block_end();
      std::string end;
      s->body = parse_body({"endgeneration"}, end);
      expect_block_end();
    } else if (kw == "include" || kw == "import" || kw == "from" || kw == "extends" || kw == "block" ||
               kw == "call" || kw == "with" || kw == "autoescape" || kw == "trans" || kw == "do" ||
               kw == "print") {
      unsupported(line, "'{% " + kw + " %}'");
    } else if (kw.rfind("end", 0) == 0 || kw == "elif" || kw == "else") {
      fail_at(line, "unexpected '{% " + kw + " %}'");
    } else {
      fail_at(line, "unknown tag '" + kw + "'");
    }
    return s;
  }

  void parse_if(Stmt& s) {
    ExprPtr cond = parse_tuple(false, {}, false);
    while (true) {
      expect_block_end();
      std::string end;
      StmtList body = parse_body({"elif", "else", "endif"}, end);
      s.branches.emplace_back(std::move(cond), std::move(body));
      if (end == "elif") {
        cond = parse_tuple(false, {}, false);
        continue;
      }
      if (end == "else") {
        expect_block_end();
        std::string end2;
        StmtList else_body = parse_body({"endif"}, end2);
        s.branches.emplace_back(nullptr, std::move(else_body));
      }
      expect_block_end();
      return;
    }
  }

  // Names of an assignment target: `x`, `a, b` or `(a, b)`.
  std::vector<std::string> parse_targets(std::string_view end_name) {
    std::vector<std::string> names;
    bool paren = skip_op("(");
    while (true) {
      names.push_back(expect_name());
      if (!skip_op(",")) break;
      if ((paren && is_op(")")) || (!end_name.empty() && is_name(end_name))) break;
    }
    if (paren) expect_op(")");
    return names;
  }

  void parse_for(Stmt& s) {
    s.targets = parse_targets("in");
    if (!skip_name("in")) fail("expected 'in', got " + describe(cur()));
    s.expr = parse_tuple(false, {"recursive"}, false);
    if (skip_name("if")) s.cond = parse_expression(true);
    if (is_name("recursive")) unsupported(cur().line, "recursive for loops");
    expect_block_end();
    ++loop_depth_;
    std::string end;
    s.body = parse_body({"endfor", "else"}, end);
    --loop_depth_;
    if (end == "else") {
      expect_block_end();
      std::string end2;
      s.else_body = parse_body({"endfor"}, end2);
    }
    expect_block_end();
  }

  void parse_set(Stmt& s) {
    int line = cur().line;
    std::string first = expect_name();
    if (is_op(".")) {
      advance();
      s.targets = {first};
      s.attr = expect_name();
    } else if (is_op(",")) {
      s.targets = {first};
      while (skip_op(",")) {
        if (is_op("=")) break;
        s.targets.push_back(expect_name());
      }
    } else {
      s.targets = {first};
    }
    if (skip_op("=")) {
      s.kind = StmtKind::kSet;
      s.expr = parse_tuple(true, {}, false);
      expect_block_end();
      return;
    }
    if (!s.attr.empty() || s.targets.size() != 1) fail_at(line, "block set needs a single name target");
    s.kind = StmtKind::kSetBlock;
    if (is_op("|")) s.expr = parse_filter(nullptr, false);
    expect_block_end();
    std::string end;
    int saved_loop = loop_depth_;
    s.body = parse_body({"endset"}, end);
    loop_depth_ = saved_loop;
    expect_block_end();
  }

  void parse_macro(Stmt& s) {
    s.name = expect_name();
    expect_op("(");
    while (!is_op(")")) {
      if (!s.params.empty()) expect_op(",");
      if (is_op(")")) break;
      s.params.push_back(expect_name());
      if (skip_op("=")) {
        s.defaults.push_back(parse_expression(true));
      } else {
        if (!s.defaults.empty() && s.defaults.back()) fail("non-default argument follows default argument");
        s.defaults.push_back(nullptr);
      }
    }
    expect_op(")");
    expect_block_end();
    int saved_loop = loop_depth_;
    loop_depth_ = 0;  // break/continue cannot cross a macro boundary
    std::string end;
    s.body = parse_body({"endmacro"}, end);
    loop_depth_ = saved_loop;
    if (cur().type == TokenType::kName) advance();  // `{% endmacro name %}` is tolerated by jinja2
    expect_block_end();
  }

  // ---- expressions ---------------------------------------------------------------------------
  bool is_tuple_end(std::initializer_list<std::string_view> extra) const {
    const Token& t = cur();
    if (t.type == TokenType::kVarEnd || t.type == TokenType::kBlockEnd) return true;
    if (t.type == TokenType::kOperator && t.value == ")") return true;
    if (t.type == TokenType::kName) {
      for (auto n : extra) {
        if (t.value == n) return true;
      }
    }
    return false;
  }

  ExprPtr parse_tuple(bool with_condexpr, std::initializer_list<std::string_view> extra,
                      bool explicit_parentheses) {
    int line = cur().line;
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) expect_op(",");
      if (is_tuple_end(extra)) break;
      items.push_back(parse_expression(with_condexpr));
      if (is_op(",")) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (!is_tuple) {
      if (!items.empty()) return std::move(items[0]);
      if (!explicit_parentheses) fail("expected an expression, got " + describe(cur()));
    }
    auto e = node(ExprKind::kTuple, line);
    e->args = std::move(items);
    return finish(std::move(e));
  }

  ExprPtr parse_expression(bool with_condexpr) {
    NestGuard guard(*this);
    if (!with_condexpr) return parse_or();
    ExprPtr e = parse_or();
    while (is_name("if")) {
      int line = cur().line;
      advance();
      ExprPtr cond = parse_or();
      ExprPtr other;
      if (skip_name("else")) other = parse_expression(true);
      auto c = node(ExprKind::kCondExpr, line);
      c->args.push_back(std::move(cond));
      c->args.push_back(std::move(e));
      c->args.push_back(std::move(other));
      e = finish(std::move(c));
    }
    return e;
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    while (is_name("or")) {
      int line = cur().line;
      advance();
      e = binary(ExprKind::kOr, "or", line, std::move(e), parse_and());
    }
    return e;
  }

  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    while (is_name("and")) {
      int line = cur().line;
      advance();
      e = binary(ExprKind::kAnd, "and", line, std::move(e), parse_not());
    }
    return e;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      NestGuard guard(*this);
      int line = cur().line;
      advance();
      return unary(ExprKind::kNot, line, parse_not());
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    int line = cur().line;
    ExprPtr first = parse_math1();
    std::unique_ptr<Expr> cmp;
    while (true) {
      std::string op;
      const Token& t = cur();
      if (t.type == TokenType::kOperator &&
          (t.value == "==" || t.value == "!=" || t.value == "<" || t.value == "<=" || t.value == ">" ||
           t.value == ">=")) {
        op = t.value;
        advance();
      } else if (is_name("in")) {
        op = "in";
        advance();
      } else if (is_name("not") && peek().type == TokenType::kName && peek().value == "in") {
        op = "notin";
        advance();
        advance();
      } else {
        break;
      }
      if (!cmp) {
        cmp = node(ExprKind::kCompare, line);
        cmp->args.push_back(std::move(first));
      }
      cmp->ops.push_back(op);
      cmp->args.push_back(parse_math1());
    }
    if (!cmp) return first;
    return finish(std::move(cmp));
  }

  ExprPtr parse_math1() {
    ExprPtr e = parse_concat();
    while (is_op("+") || is_op("-")) {
      std::string op = cur().value;
      int line = cur().line;
      advance();
      e = binary(ExprKind::kBinary, op, line, std::move(e), parse_concat());
    }
    return e;
  }

  ExprPtr parse_concat() {
    int line = cur().line;
    ExprPtr first = parse_math2();
    if (!is_op("~")) return first;
    auto c = node(ExprKind::kConcat, line);
    c->args.push_back(std::move(first));
    while (skip_op("~")) c->args.push_back(parse_math2());
    return finish(std::move(c));
  }

  ExprPtr parse_math2() {
    ExprPtr e = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = cur().value;
      int line = cur().line;
      advance();
      e = binary(ExprKind::kBinary, op, line, std::move(e), parse_pow());
    }
    return e;
  }

  ExprPtr parse_pow() {
    ExprPtr e = parse_unary(true);
    while (is_op("**")) {
      int line = cur().line;
      advance();
      e = binary(ExprKind::kBinary, "**", line, std::move(e), parse_unary(true));
    }
    return e;
  }

  ExprPtr parse_unary(bool with_filter) {
    NestGuard guard(*this);
    int line = cur().line;
    ExprPtr e;
    if (skip_op("-")) {
      e = unary(ExprKind::kNeg, line, parse_unary(false));
    } else if (skip_op("+")) {
      e = unary(ExprKind::kPos, line, parse_unary(false));
    } else {
      e = parse_primary();
    }
    e = parse_postfix(std::move(e));
    if (with_filter) e = parse_filter_expr(std::move(e));
    return e;
  }

  ExprPtr literal(int line, Value v) {
    auto e = node(ExprKind::kLiteral, line);
    e->literal = std::move(v);
    return e;
  }

  ExprPtr parse_primary() {
    const Token& t = cur();
    int line = t.line;
    switch (t.type) {
      case TokenType::kName: {
        std::string n = t.value;
        advance();
        if (n == "true" || n == "True") return literal(line, Value::boolean(true));
        if (n == "false" || n == "False") return literal(line, Value::boolean(false));
        if (n == "none" || n == "None") return literal(line, Value::none());
        auto e = node(ExprKind::kName, line);
        e->name = std::move(n);
        return e;
      }
      case TokenType::kString: {
        std::string s;
        while (cur().type == TokenType::kString) {  // adjacent literals concatenate
          s += cur().value;
          advance();
        }
        return literal(line, Value::string(std::move(s)));
      }
      case TokenType::kInteger: {
        int64_t v = t.int_value;
        advance();
        return literal(line, Value::integer(v));
      }
      case TokenType::kFloat: {
        double v = t.float_value;
        advance();
        return literal(line, Value::floating(v));
      }
      case TokenType::kOperator:
        if (t.value == "(") {
          advance();
          ExprPtr e = parse_tuple(true, {}, true);
          expect_op(")");
          return e;
        }
        if (t.value == "[") {
          advance();
          auto e = node(ExprKind::kList, line);
          while (!is_op("]")) {
            if (!e->args.empty()) expect_op(",");
            if (is_op("]")) break;
            e->args.push_back(parse_expression(true));
          }
          expect_op("]");
          return finish(std::move(e));
        }
        if (t.value == "{") {
          advance();
          auto e = node(ExprKind::kDict, line);
          while (!is_op("}")) {
            if (!e->args.empty()) expect_op(",");
            if (is_op("}")) break;
            e->args.push_back(parse_expression(true));
            expect_op(":");
            e->args.push_back(parse_expression(true));
          }
          expect_op("}");
          return finish(std::move(e));
        }
        break;
      default:
        break;
    }
    fail("unexpected " + describe(t));
  }

  ExprPtr parse_postfix(ExprPtr e) {
    while (true) {
      if (is_op(".") || is_op("[")) {
        e = parse_subscript(std::move(e));
      } else if (is_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_filter_expr(ExprPtr e) {
    while (true) {
      if (is_op("|")) {
        e = parse_filter(std::move(e), false);
      } else if (is_name("is")) {
        e = parse_test(std::move(e));
      } else if (is_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr obj) {
    int line = cur().line;
    if (skip_op(".")) {
      const Token& t = cur();
      if (t.type == TokenType::kName) {
        auto e = node(ExprKind::kGetAttr, line);
        e->name = t.value;
        advance();
        e->args.push_back(std::move(obj));
        return finish(std::move(e));
      }
      if (t.type != TokenType::kInteger) fail("expected name or number after '.'");
      auto e = node(ExprKind::kGetItem, line);
      e->args.push_back(std::move(obj));
      e->args.push_back(literal(line, Value::integer(t.int_value)));
      advance();
      return finish(std::move(e));
    }
    expect_op("[");
    std::vector<ExprPtr> keys;
    while (!is_op("]")) {
      if (!keys.empty()) expect_op(",");
      keys.push_back(parse_subscribed());
    }
    expect_op("]");
    if (keys.empty()) fail("expected a subscript");
    auto e = node(ExprKind::kGetItem, line);
    e->args.push_back(std::move(obj));
    if (keys.size() == 1) {
      e->args.push_back(std::move(keys[0]));
    } else {
      auto t = node(ExprKind::kTuple, line);
      t->args = std::move(keys);
      e->args.push_back(finish(std::move(t)));
    }
    return finish(std::move(e));
  }

  ExprPtr parse_subscribed() {
    int line = cur().line;
    std::vector<ExprPtr> parts;
    if (skip_op(":")) {
      parts.push_back(nullptr);
    } else {
      ExprPtr start = parse_expression(true);
      if (!skip_op(":")) return start;
      parts.push_back(std::move(start));
    }
    if (is_op(":")) {
      parts.push_back(nullptr);
    } else if (!is_op("]") && !is_op(",")) {
      parts.push_back(parse_expression(true));
    } else {
      parts.push_back(nullptr);
    }
    if (skip_op(":")) {
      if (!is_op("]") && !is_op(",")) {
        parts.push_back(parse_expression(true));
      } else {
        parts.push_back(nullptr);
      }
    } else {
      parts.push_back(nullptr);
    }
    auto e = node(ExprKind::kSlice, line);
    e->args = std::move(parts);
    return finish(std::move(e));
  }

  // Fills e->args (after the ones already there) and e->kwargs from `( ... )`.
  void parse_call_args(Expr& e) {
    expect_op("(");
    bool require_comma = false;
    while (!is_op(")")) {
      if (require_comma) {
        expect_op(",");
        if (is_op(")")) break;
      }
      if (is_op("*") || is_op("**")) unsupported(cur().line, "*args / **kwargs in calls");
      if (cur().type == TokenType::kName && peek().type == TokenType::kOperator && peek().value == "=") {
        std::string key = cur().value;
        advance();
        advance();
        e.kwargs.emplace_back(std::move(key), parse_expression(true));
      } else {
        if (!e.kwargs.empty()) fail("positional argument follows keyword argument");
        e.args.push_back(parse_expression(true));
      }
      require_comma = true;
    }
    expect_op(")");
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto e = node(ExprKind::kCall, cur().line);
    e->args.push_back(std::move(callee));
    parse_call_args(*e);
    return finish(std::move(e));
  }

  std::string parse_dotted_name() {
    std::string n = expect_name();
    while (skip_op(".")) n += "." + expect_name();
    return n;
  }

  ExprPtr parse_filter(ExprPtr subject, bool start_inline) {
    while (is_op("|") || start_inline) {
      if (!start_inline) advance();
      start_inline = false;
      int line = cur().line;
      auto e = node(ExprKind::kFilter, line);
      e->name = parse_dotted_name();
      e->builtin = find_filter(e->name);
      if (e->builtin < 0) fail_at(line, "no filter named '" + e->name + "'");
      e->args.push_back(std::move(subject));
      if (is_op("(")) parse_call_args(*e);
      subject = finish(std::move(e));
    }
    return subject;
  }

  ExprPtr parse_test(ExprPtr subject) {
    int line = cur().line;
    advance();  // 'is'
    bool negated = skip_name("not");
    auto e = node(ExprKind::kTest, line);
    e->name = parse_dotted_name();
    e->builtin = find_test(e->name);
    if (e->builtin < 0) fail_at(line, "no test named '" + e->name + "'");
    e->args.push_back(std::move(subject));
    const Token& t = cur();
    bool arg_start = t.type == TokenType::kName || t.type == TokenType::kString ||
                     t.type == TokenType::kInteger || t.type == TokenType::kFloat ||
                     (t.type == TokenType::kOperator && (t.value == "[" || t.value == "{"));
    if (is_op("(")) {
      parse_call_args(*e);
    } else if (arg_start && !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) fail("you cannot chain multiple tests with 'is'");
      ExprPtr arg = parse_postfix(parse_primary());
      e->args.push_back(std::move(arg));
    }
    ExprPtr result = finish(std::move(e));
    if (negated) result = unary(ExprKind::kNot, line, std::move(result));
    return result;
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
  int nesting_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

Template parse_template(std::string_view source) { return Parser(tokenize(source)).parse(); }

}  // namespace pio::jinja
