// Tool-call parsing — turns the model's tool-call text into structured calls {name, arguments}.
//
// Three formats, recognised per call from the text after `<tool_call>`:
// - Qwen3-Coder XML:
//     <tool_call>\n<function=NAME>\n<parameter=P>\nVALUE\n</parameter>\n...</function>\n</tool_call>
//   VALUE loses one leading and one trailing "\n" (as the template writes them) and is typed by
//   the tool's schema: integer / number / boolean / null, object and array parsed as JSON;
//   string, unknown parameters, and values that do not parse as their type stay verbatim text.
//   A missing `</parameter>` ends the value at the next `<parameter=` or `</function>`.
// - Qwen3 (Hermes) JSON:  <tool_call>\n{"name": NAME, "arguments": {...}}\n</tool_call>
//   ("arguments" may also be a JSON string holding an object; absent means {}).
// - GLM-4.x:  <tool_call>NAME<arg_key>K</arg_key><arg_value>V</arg_value>...</tool_call>
//   (V is JSON unless the schema says string or it does not parse; strings stay verbatim).
//
// Malformed, unclosed or truncated call text is returned as plain content, unchanged; it never
// throws. Text outside the calls is content; whitespace that only separates content from calls
// (or calls from each other, or leads the output) is dropped, so
// "Sure.\n\n<tool_call>…</tool_call>" gives content "Sure."; whitespace between two pieces of
// content stays, even when a call sat between them.
//
// Thread-safety: one stream parser per generation; parse_tool_calls() is reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pio/generation/tool_schemas.h"

namespace pio {

struct ToolCall {
  std::string name;
  std::string arguments;  // a JSON object, compact text (what OpenAI's `arguments` carries)
  bool operator==(const ToolCall&) const = default;
};

// The streaming parser. Text from `<tool_call>` on is held back until the call closes.
class ToolCallStreamParser {
 public:
  struct Delta {
    std::string content;
    std::vector<ToolCall> calls;
  };

  // `schemas` is copied; an empty one types every value as text.
  explicit ToolCallStreamParser(ToolSchemas schemas = {});

  Delta push(std::string_view piece);
  // End of output: an unclosed call and any held text come back as content.
  Delta flush();

  size_t calls_seen() const { return calls_seen_; }

 private:
  void step(Delta& out);
  void emit_content(Delta& out, std::string_view text);

  ToolSchemas schemas_;
  std::string pending_;     // undecided text
  std::string whitespace_;  // trailing whitespace of the content, held until it is decided
  bool in_call_ = false;
  size_t scanned_ = 0;  // inside a call: pending_ before this holds no `</tool_call>`
  bool after_call_ = false;   // a call just closed: whitespace after it is no content yet
  bool emitted_any_ = false;  // some non-whitespace content went out
  size_t calls_seen_ = 0;
};

struct ParsedToolCalls {
  std::string content;
  std::vector<ToolCall> calls;
};

// Whole-text form of ToolCallStreamParser (push(text) then flush()).
ParsedToolCalls parse_tool_calls(std::string_view text, const ToolSchemas& schemas = {});

// Parses the text between `<tool_call>` and `</tool_call>` (either format). Returns false and
// leaves `calls` untouched when the body is malformed.
bool parse_tool_call_body(std::string_view body, const ToolSchemas& schemas,
                          std::vector<ToolCall>& calls);

}  // namespace pio
