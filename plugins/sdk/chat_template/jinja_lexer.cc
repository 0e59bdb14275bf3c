#include "jinja_lexer.h"

#include <cerrno>
#include <cstdlib>

#include "pio/sdk/error.h"
#include "py_text.h"

namespace pio::jinja {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

class Lexer {
 public:
  explicit Lexer(std::string_view source) { normalize(source); }

  std::vector<Token> run() {
    size_t n = src_.size();
    while (pos_ < n) {
      size_t q = find_tag_start(pos_);
      if (q == std::string::npos) {
        emit_data(src_.substr(pos_), pos_);
        pos_ = n;
        break;
      }
      char kind = src_[q + 1];
      char sign = q + 2 < n && (src_[q + 2] == '-' || src_[q + 2] == '+') ? src_[q + 2] : 0;
      size_t raw_body = kind == '%' ? match_raw_begin(q) : std::string::npos;
      std::string text = src_.substr(pos_, q - pos_);
      apply_left_strip(text, sign, kind == '{');
      emit_data(text, pos_);
      if (raw_body != std::string::npos) {
        line_starting_ = src_[raw_body - 1] == '\n';
        lex_raw_body(raw_body, q);
      } else if (kind == '#') {
        lex_comment(q + 2 + (sign ? 1 : 0), q);
      } else {
        lex_tag(q, kind, sign);
      }
    }
    tokens_.push_back(Token{TokenType::kEof, "", line_of(src_.size())});
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(size_t at, const std::string& what) {
    throw_error(ErrorCode::kBadFormat, "chat template line {}: {}", line_of(at), what);
  }

  void normalize(std::string_view source) {
    src_.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
      if (source[i] == '\r') {
        src_.push_back('\n');
        if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
      } else {
        src_.push_back(source[i]);
      }
    }
    if (!src_.empty() && src_.back() == '\n') src_.pop_back();  // keep_trailing_newline=False
  }

  int line_of(size_t at) {
    if (at < line_pos_) {
      line_pos_ = 0;
      line_ = 1;
    }
    for (; line_pos_ < at && line_pos_ < src_.size(); ++line_pos_) {
      if (src_[line_pos_] == '\n') ++line_;
    }
    return line_;
  }

  size_t find_tag_start(size_t from) const {
    size_t q = from;
    while ((q = src_.find('{', q)) != std::string::npos) {
      if (q + 1 < src_.size() && (src_[q + 1] == '{' || src_[q + 1] == '%' || src_[q + 1] == '#')) return q;
      ++q;
    }
    return std::string::npos;
  }

  size_t skip_spaces(size_t p) const {
    while (size_t len = py_space_len(src_, p)) p += len;
    return p;
  }

  // `{%[-+]? raw [-]?%}` at q: returns the position after it, or npos.
  size_t match_raw_begin(size_t q) const {
    size_t p = q + 2;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    p = skip_spaces(p);
    if (src_.compare(p, 3, "raw") != 0) return std::string::npos;
    p = skip_spaces(p + 3);
    if (src_.compare(p, 3, "-%}") == 0) return skip_spaces(p + 3);
    if (src_.compare(p, 2, "%}") == 0) return p + 2;
    return std::string::npos;
  }

  // jinja2's OptionalLStrip: `-` strips all whitespace before the tag; otherwise lstrip_blocks
  // removes the indentation of a block/comment tag that starts its line.
  void apply_left_strip(std::string& text, char sign, bool is_variable) {
    if (sign == '-') {
      size_t end = text.size();
      // rstrip over code points (whitespace may be multi-byte).
      while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        if (py_space_len(text, start) == 0) break;
        end = start;
      }
      text.resize(end);
      return;
    }
    if (sign == '+' || is_variable) return;
    size_t nl = text.rfind('\n');
    size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
    if (l_pos == 0 && !line_starting_) return;
    if (l_pos == text.size()) return;  // `\s+` needs at least one character
    size_t p = l_pos;
    while (p < text.size()) {
      size_t len = py_space_len(text, p);
      if (len == 0) return;
      p += len;
    }
    text.resize(l_pos);
  }

  void emit_data(const std::string& text, size_t at) {
    if (text.empty()) return;
    tokens_.push_back(Token{TokenType::kData, text, line_of(at)});
  }

  void lex_comment(size_t body, size_t begin) {
    size_t h = src_.find("#}", body);
    if (h == std::string::npos) fail(begin, "missing end of comment tag '#}'");
    char sign = h > body && (src_[h - 1] == '-' || src_[h - 1] == '+') ? src_[h - 1] : 0;
    size_t after = h + 2;
    after = finish_end_tag(after, sign);
    line_starting_ = src_[after - 1] == '\n';
    pos_ = after;
  }

  // After `%}`/`#}`: `-` eats all whitespace, `+` nothing, plain eats one newline (trim_blocks).
  size_t finish_end_tag(size_t after, char sign) const {
    if (sign == '-') return skip_spaces(after);
    if (sign == '+') return after;
    if (after < src_.size() && src_[after] == '\n') return after + 1;
    return after;
  }

  void lex_raw_body(size_t body, size_t begin) {
    // Find `{%[-+]? endraw (+%}|-%}\s*|%}\n?)`.
    size_t q = body;
    while (true) {
      q = src_.find("{%", q);
      if (q == std::string::npos) fail(begin, "missing end of raw directive '{% endraw %}'");
      size_t p = q + 2;
      char sign = 0;
      if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) sign = src_[p++];
      p = skip_spaces(p);
      if (src_.compare(p, 6, "endraw") == 0) {
        p = skip_spaces(p + 6);
        size_t after = std::string::npos;
        if (src_.compare(p, 3, "+%}") == 0) {
          after = p + 3;
        } else if (src_.compare(p, 3, "-%}") == 0) {
          after = skip_spaces(p + 3);
        } else if (src_.compare(p, 2, "%}") == 0) {
          after = finish_end_tag(p + 2, 0);
        }
        if (after != std::string::npos) {
          std::string text = src_.substr(body, q - body);
          apply_left_strip(text, sign, false);
          emit_data(text, body);
          line_starting_ = src_[after - 1] == '\n';
          pos_ = after;
          return;
        }
      }
      q += 2;
    }
  }

  void lex_tag(size_t q, char kind, char sign) {
    bool is_var = kind == '{';
    tokens_.push_back(Token{is_var ? TokenType::kVarBegin : TokenType::kBlockBegin, "", line_of(q)});
    size_t p = q + 2 + (sign ? 1 : 0);
    std::string balance;
    size_t n = src_.size();
    while (true) {
      if (p >= n) fail(q, is_var ? "unexpected end of template, expected '}}'" : "unexpected end of template, expected '%}'");
      if (balance.empty()) {
        size_t after = match_end(p, is_var);
        if (after != std::string::npos) {
          tokens_.push_back(Token{is_var ? TokenType::kVarEnd : TokenType::kBlockEnd, "", line_of(p)});
          line_starting_ = src_[after - 1] == '\n';
          pos_ = after;
          return;
        }
      }
      if (size_t len = py_space_len(src_, p)) {
        p += len;
        continue;
      }
      char c = src_[p];
      if (is_digit(c)) {
        p = lex_number(p);
      } else if (is_name_start(c)) {
        size_t s = p;
        while (p < n && is_name_char(src_[p])) ++p;
        tokens_.push_back(Token{TokenType::kName, src_.substr(s, p - s), line_of(s)});
      } else if (c == '\'' || c == '"') {
        p = lex_string(p);
      } else {
        p = lex_operator(p, balance);
      }
    }
  }

  size_t match_end(size_t p, bool is_var) const {
    if (is_var) {
      if (src_.compare(p, 3, "-}}") == 0) return skip_spaces(p + 3);
      if (src_.compare(p, 2, "}}") == 0) return p + 2;
      return std::string::npos;
    }
    if (src_.compare(p, 3, "+%}") == 0) return p + 3;
    if (src_.compare(p, 3, "-%}") == 0) return skip_spaces(p + 3);
    if (src_.compare(p, 2, "%}") == 0) return finish_end_tag(p + 2, 0);
    return std::string::npos;
  }

  // Digits with single underscores between them; returns the end.
  size_t scan_digits(size_t p) const {
    size_t n = src_.size();
    if (p >= n || !is_digit(src_[p])) return p;
    ++p;
    while (p < n) {
      if (is_digit(src_[p])) {
        ++p;
      } else if (src_[p] == '_' && p + 1 < n && is_digit(src_[p + 1])) {
        p += 2;
      } else {
        break;
      }
    }
    return p;
  }

  size_t lex_number(size_t s) {
    size_t n = src_.size();
    size_t p = scan_digits(s);
    bool is_float = false;
    bool after_dot = s > 0 && src_[s - 1] == '.';  // jinja2's (?<!\.): `x.0.1` is items, not a float
    if (!after_dot) {
      size_t f = p;
      if (f + 1 < n && src_[f] == '.' && is_digit(src_[f + 1])) {
        f = scan_digits(f + 1);
        is_float = true;
      }
      if (f < n && (src_[f] == 'e' || src_[f] == 'E')) {
        size_t e = f + 1;
        if (e < n && (src_[e] == '+' || src_[e] == '-')) ++e;
        if (e < n && is_digit(src_[e])) {
          f = scan_digits(e);
          is_float = true;
        }
      }
      if (is_float) p = f;
    }
    std::string text;
    for (size_t i = s; i < p; ++i) {
      if (src_[i] != '_') text.push_back(src_[i]);
    }
    Token tok{is_float ? TokenType::kFloat : TokenType::kInteger, text, line_of(s)};
    if (is_float) {
      tok.float_value = std::strtod(text.c_str(), nullptr);
    } else {
      int base = 10;
      // 0x / 0o / 0b prefixes.
      if (text == "0" && p < n && (src_[p] == 'x' || src_[p] == 'X' || src_[p] == 'o' ||
                                   src_[p] == 'O' || src_[p] == 'b' || src_[p] == 'B')) {
        char prefix = static_cast<char>(src_[p] | 0x20);
        base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : 2;
        size_t e = p + 1;
        text.clear();
        auto valid = [&](char c) {
          c = static_cast<char>(c | 0x20);
          if (base == 16) return is_digit(c) || (c >= 'a' && c <= 'f');
          if (base == 8) return c >= '0' && c <= '7';
          return c == '0' || c == '1';
        };
        while (e < n && (valid(src_[e]) || (src_[e] == '_' && e + 1 < n && valid(src_[e + 1])))) {
          if (src_[e] != '_') text.push_back(src_[e]);
          ++e;
        }
        if (text.empty()) fail(s, "invalid integer literal");
        p = e;
      }
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(text.c_str(), &end, base);
      if (errno == ERANGE) fail(s, "integer literal out of range");
      tok.int_value = v;
    }
    tokens_.push_back(std::move(tok));
    return p;
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = static_cast<char>(c | 0x20);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  }

  // Python string literal with unicode-escape decoding, as jinja2 does.
  size_t lex_string(size_t s) {
    char quote = src_[s];
    size_t p = s + 1;
    size_t n = src_.size();
    std::string out;
    while (true) {
      if (p >= n) fail(s, "unterminated string literal");
      char c = src_[p];
      if (c == quote) {
        ++p;
        break;
      }
      if (c != '\\') {
        out.push_back(c);
        ++p;
        continue;
      }
      if (p + 1 >= n) fail(s, "unterminated string literal");
      char e = src_[p + 1];
      p += 2;
      switch (e) {
        case '\n': break;  // line continuation
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'v': out.push_back('\v'); break;
        case 'x': case 'u': case 'U': {
          int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          char32_t cp = 0;
          for (int i = 0; i < digits; ++i) {
            int h = p < n ? hex_value(src_[p]) : -1;
            if (h < 0) fail(s, std::string("truncated \\") + e + " escape in string literal");
            cp = cp * 16 + static_cast<char32_t>(h);
            ++p;
          }
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail(s, "invalid code point escape in string literal");
          append_utf8(cp, out);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            char32_t cp = static_cast<char32_t>(e - '0');
            for (int i = 0; i < 2 && p < n && src_[p] >= '0' && src_[p] <= '7'; ++i, ++p) {
              cp = cp * 8 + static_cast<char32_t>(src_[p] - '0');
            }
            append_utf8(cp, out);
          } else if (e == 'N') {
            fail(s, "\\N{...} escapes are not supported in string literals");
          } else {
            // Unknown escapes keep the backslash, as in Python.
            out.push_back('\\');
            p -= 1;
          }
      }
    }
    tokens_.push_back(Token{TokenType::kString, std::move(out), line_of(s)});
    return p;
  }

  size_t lex_operator(size_t p, std::string& balance) {
    static const char* kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
    for (const char* op : kTwo) {
      if (src_.compare(p, 2, op) == 0) {
        tokens_.push_back(Token{TokenType::kOperator, op, line_of(p)});
        return p + 2;
      }
    }
    char c = src_[p];
    static const std::string_view kSingle = "+-/*%~[](){}<>=.:|,;";
    if (kSingle.find(c) == std::string_view::npos) {
      size_t q = p;
      char32_t cp = utf8_next(src_, q);
      std::string shown;
      append_utf8(cp, shown);
      fail(p, "unexpected character '" + shown + "'");
    }
    if (c == '{') balance.push_back('}');
    if (c == '(') balance.push_back(')');
    if (c == '[') balance.push_back(']');
    if (c == '}' || c == ')' || c == ']') {
      if (balance.empty()) fail(p, std::string("unexpected '") + c + "'");
      if (balance.back() != c) fail(p, std::string("unexpected '") + c + "', expected '" + balance.back() + "'");
      balance.pop_back();
    }
    tokens_.push_back(Token{TokenType::kOperator, std::string(1, c), line_of(p)});
    return p + 1;
  }

  std::string src_;
  size_t pos_ = 0;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
  size_t line_pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) {
  if (!utf8_valid(source)) throw_error(ErrorCode::kBadFormat, "chat template: source is not valid UTF-8");
  return Lexer(source).run();
}

}  // namespace pio::jinja
