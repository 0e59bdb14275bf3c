// ToolSchemas — the parameter types of the tools a request offers, for typing parsed calls.
//
// Built from the OpenAI-style `tools` array:
//   [{"type": "function", "function": {"name": N, "parameters": {"properties": {P: {"type": T}}}}}]
// (a bare {"name", "parameters"} element is accepted too). A parameter's type is its schema's
// "type" string, the first non-"null" entry when "type" is an array, or the first typed branch
// of "anyOf"/"oneOf"; a parameter without a type is unknown and keeps its text verbatim.
//
// Thread-safety: immutable after construction; share freely between threads.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace pio {

class ToolSchemas {
 public:
  ToolSchemas() = default;

  // Parses the tools array (JSON text). Throws pio::Error kBadFormat on malformed JSON or a
  // tools value that is not an array of objects, naming the element.
  static ToolSchemas from_json(std::string_view tools_json);

  // The JSON-schema type of `parameter` of `function` ("string", "integer", "number",
  // "boolean", "object", "array", ...), or an empty view when the schema does not say.
  std::string_view parameter_type(std::string_view function, std::string_view parameter) const;

  bool has_function(std::string_view function) const;
  size_t size() const { return functions_.size(); }

 private:
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> functions_;
};

}  // namespace pio
