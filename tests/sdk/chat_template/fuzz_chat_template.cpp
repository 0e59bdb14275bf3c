// Fuzz target: template source and render context from one input.
//
// Input layout: template text, then a NUL byte, then the JSON context (when there is no NUL the
// whole input is the template and the context is a small fixed conversation). Every failure must
// be a pio::Error; crashes, hangs, leaks and sanitizer reports are bugs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pio/sdk/chat_template.h"
#include "pio/sdk/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view source = input;
  std::string_view context =
      R"({"messages":[{"role":"system","content":"s"},{"role":"user","content":"hi /think"},)"
      R"({"role":"assistant","content":"<think>r</think>ok","tool_calls":[{"function":{"name":"f","arguments":{"a":1}}}]},)"
      R"({"role":"tool","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"integer"}}}}}],)"
      R"("add_generation_prompt":true,"enable_thinking":false,"bos_token":"<s>","eos_token":"</s>"})";
  if (size_t nul = input.find('\0'); nul != std::string_view::npos) {
    source = input.substr(0, nul);
    context = input.substr(nul + 1);
  }
  pio::ChatTemplateLimits limits;
  limits.max_output_bytes = 1 << 20;
  limits.max_steps = 200'000;
  limits.max_objects = 200'000;
  try {
    pio::ChatTemplate tmpl(source, limits);
    (void)tmpl.render(context);
  } catch (const pio::Error&) {
  }
  return 0;
}
