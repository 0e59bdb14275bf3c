// pio::ChatTemplate — renders a model's Jinja `chat_template` exactly as transformers'
// `apply_chat_template` does (jinja2 with trim_blocks, lstrip_blocks, loopcontrols, its own
// tojson/raise_exception/strftime_now, in an immutable sandbox).
//
// The renderer is a real Jinja implementation (lexer, parser, interpreter) for the subset chat
// templates use. Anything outside it is rejected when the template is compiled, with the template
// line in the message (kUnsupported for include/import/extends/block/call/recursive loops/*args).
//   statements  if/elif/else, for (+ `if` filter, else, loop.index/index0/revindex/revindex0/
//               first/last/length/previtem/nextitem/cycle/changed), set (names, tuples,
//               ns.attr, block set with filters), macro (defaults, keyword args, recursion),
//               filter blocks, break/continue, raw, generation, comments, `-`/`+` whitespace control
//   expressions literals (str/int/float/list/tuple/dict), + - * / // % ** ~, comparisons and
//               chains, in / not in, and/or/not, x if c else y, attribute/item access, slicing
//   filters     abs attr capitalize center count d default dictsort e escape first float indent
//               int items join last length list lower map max min reject rejectattr replace
//               reverse round safe select selectattr sort string sum title tojson trim unique
//               upper wordcount
//   tests       defined undefined none boolean true false integer float number string mapping
//               sequence iterable callable sameas eq/ne/lt/le/gt/ge (and ==, <, ...) in
//               divisibleby even odd lower upper
//   globals     range dict namespace raise_exception strftime_now
//   methods     str: startswith endswith split rsplit strip lstrip rstrip replace upper lower
//               title capitalize find rfind index count join splitlines is*; dict: get items
//               keys values copy; list: index count (mutating methods fail, as in transformers'
//               immutable sandbox)
// Values follow Python: str() of None/True/floats/containers, json.dumps formatting for tojson,
// code-point indexing of strings, dicts in insertion order, jinja2's default Undefined.
//
//   pio::ChatTemplate tmpl(source);                       // compile once
//   std::string prompt = tmpl.render(R"({"messages": [...], "add_generation_prompt": true})");
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

namespace pio {

// Bounds on one render, so hostile templates or contexts fail with pio::Error instead of
// exhausting memory, time or stack.
struct ChatTemplateLimits {
  size_t max_output_bytes = size_t{64} << 20;  // rendered text; also the largest string built
  uint64_t max_steps = 100'000'000;             // evaluated template nodes (+ scanned bytes/64)
  int max_call_depth = 64;                      // nested macro calls
  size_t max_stack_bytes = size_t{1} << 20;     // C++ stack used by the interpreter
  size_t max_objects = 8'000'000;               // lists/dicts/elements created
  int max_context_depth = 128;                  // JSON nesting of the render context
};

// The named special tokens transformers passes to every render (its `special_tokens_map`):
// e.g. {"eos_token", "<|im_end|>"}, {"pad_token", "<|endoftext|>"}. Tokens that are null in the
// tokenizer config are absent.
using SpecialTokens = std::vector<std::pair<std::string, std::string>>;

// A model's chat template as shipped in its files.
struct ChatTemplateSource {
  std::string source;           // the Jinja text
  SpecialTokens special_tokens;  // from tokenizer_config.json
};

class ChatTemplate {
 public:
  // Compiles `source`. Throws pio::Error: kBadFormat for syntax errors, unknown filters/tests and
  // invalid UTF-8; kUnsupported for Jinja constructs this renderer does not implement. Messages
  // read "chat template line N: ...".
  explicit ChatTemplate(std::string_view source, ChatTemplateLimits limits = {});
  ~ChatTemplate();
  ChatTemplate(ChatTemplate&&) noexcept;
  ChatTemplate& operator=(ChatTemplate&&) noexcept;
  ChatTemplate(const ChatTemplate&) = delete;
  ChatTemplate& operator=(const ChatTemplate&) = delete;

  // Renders with `context`, a JSON object whose members are the template's variables
  // (messages, tools, add_generation_prompt, enable_thinking, bos_token, ... — any keyword
  // passes through). Nothing is added or changed: this is jinja2's `template.render(**context)`.
  // Throws pio::Error(kInvalidArgument): invalid JSON, a runtime error in the template
  // ("chat template line N: ..."), a limit exceeded, or raise_exception(msg) (message = msg).
  // Thread-safety: const; concurrent renders of one ChatTemplate are safe.
  // The rapidjson overload expects a document parsed with kParseFullPrecisionFlag (otherwise
  // floats may print one ulp off Python's) and valid UTF-8 strings (kParseValidateEncodingFlag).
  std::string render(std::string_view context_json) const;
  std::string render(const rapidjson::Value& context) const;

  // Renders a chat request the way transformers' tokenizer.apply_chat_template(conversation,
  // tools=..., documents=..., add_generation_prompt=..., **kwargs) does: `request` is a JSON
  // object {"messages": [...], "tools": [...]?, "documents": [...]?, "add_generation_prompt":
  // bool?, any other keyword...}. Like transformers it drops null-valued message keys, copies
  // `reasoning`/`thinking` into `reasoning_content` (and `thinking`), passes tools/documents as
  // null when absent, add_generation_prompt as false when absent, and the special tokens
  // (request keywords override them). Throws as render() does; an empty or missing message list
  // is kInvalidArgument; a true "continue_final_message" is kUnsupported.
  std::string apply(std::string_view request_json, const SpecialTokens& special_tokens) const;
  std::string apply(const rapidjson::Value& request, const SpecialTokens& special_tokens) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads the chat template of a Hugging Face model directory: `chat_template.jinja` if present,
// else the "chat_template" of tokenizer_config.json (a string, or a list of {name, template}
// from which "default" is taken). Special tokens come from tokenizer_config.json (string or
// {"content": ...} values). Throws pio::Error: kNotFound when the directory has no template,
// kIo / kBadFormat for unreadable or malformed files.
ChatTemplateSource load_chat_template(const std::filesystem::path& model_dir);

// The same from the text of a tokenizer_config.json; `name` picks one of several named templates.
// Throws kNotFound when there is no (such) template, kBadFormat for malformed JSON.
ChatTemplateSource parse_tokenizer_config_template(std::string_view tokenizer_config_json,
                                                   std::string_view name = "default");

}  // namespace pio
