// The syntax tree the parser builds and the interpreter walks. Immutable after parsing, so one
// compiled template can be rendered from several threads at once.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jinja_value.h"

namespace pio::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

enum class ExprKind {
  kLiteral,   // literal: None/bool/int/float/str
  kName,      // name
  kList,      // args: items
  kTuple,     // args: items
  kDict,      // args: key0, value0, key1, value1, ...
  kGetAttr,   // args[0].name
  kGetItem,   // args[0][args[1]]
  kSlice,     // a subscript key start:stop:step; args[0..2], each may be null
  kCall,      // args[0](args[1..], kwargs)
  kFilter,    // args[0] | name(args[1..], kwargs); args[0] null inside {% filter %} / {% set x | f %}
  kTest,      // args[0] is name(args[1..], kwargs)
  kNot,       // not args[0]
  kNeg,       // -args[0]
  kPos,       // +args[0]
  kBinary,    // args[0] <name> args[1]: + - * / // % **
  kConcat,    // args joined with ~
  kCompare,   // args[0] ops[0] args[1] ops[1] args[2] ... (==, !=, <, <=, >, >=, in, notin)
  kAnd,
  kOr,
  kCondExpr,  // args[1] if args[0] else args[2] (args[2] may be null)
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  int line = 0;
  Value literal;
  std::string name;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;
  int builtin = -1;  // kFilter / kTest: index into the builtin table, resolved at parse time
  int depth = 1;     // height of this subtree (bounded by the parser)
};

enum class StmtKind {
  kText,        // text
  kOutput,      // {{ expr }}
  kIf,          // branches: (cond, body)...; a null cond is the else branch
  kFor,         // for targets in expr [if cond] body [else else_body]
  kSet,         // set targets = expr, or set name.attr = expr (attr non-empty)
  kSetBlock,    // set target [| filters] body endset; expr holds the filter chain
  kMacro,       // macro name(params=defaults) body
  kBreak,
  kContinue,
  kFilterBlock, // filter chain body endfilter
  kScopeBlock,  // body rendered in place ({% generation %})
};

struct Stmt {
  StmtKind kind = StmtKind::kText;
  int line = 0;
  std::string text;
  ExprPtr expr;
  ExprPtr cond;
  std::vector<std::pair<ExprPtr, StmtList>> branches;
  std::vector<std::string> targets;
  std::string attr;
  StmtList body;
  StmtList else_body;
  std::string name;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // one per param, null when none
};

struct Template {
  StmtList body;
};

}  // namespace pio::jinja
