// Jinja lexer: template source -> flat token stream, with jinja2's whitespace rules.
//
// Mirrors jinja2.lexer as transformers configures it (trim_blocks=True, lstrip_blocks=True,
// keep_trailing_newline=False): newlines normalised to "\n", one trailing newline dropped,
// `{%-`/`-%}` strip all adjacent whitespace, `+` disables trimming, the first newline after a
// block or comment tag is dropped, and spaces before a block/comment tag on its own line are
// removed. Comments are dropped; `{% raw %}` bodies become data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pio::jinja {

enum class TokenType {
  kData,        // literal template text
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,      // value already unescaped
  kInteger,
  kFloat,
  kOperator,    // value is the operator text: "+", "//", "==", "(", ...
  kEof,
};

struct Token {
  TokenType type = TokenType::kEof;
  std::string value;
  int line = 1;
  int64_t int_value = 0;
  double float_value = 0;
};

// Tokenizes `source`. Throws pio::Error(kBadFormat) naming the line on malformed input
// (unterminated tag/comment/string, unbalanced brackets, invalid UTF-8).
std::vector<Token> tokenize(std::string_view source);

}  // namespace pio::jinja
