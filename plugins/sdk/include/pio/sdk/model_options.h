// pio/sdk/model_options.h — the options of model_load and session_create, parsed from the JSON
// the host passes (see pio/plugin_abi.h for the keys). The adapter parses; plugins receive these.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pio::sdk {

// model_load options. Defaults mean "let the plugin decide".
struct LoadOptions {
  std::string dtype = "auto";   // "auto" | "f32" | "f16" | "bf16"
  bool load_in_4bit = false;
  int64_t context_length = 0;   // 0 = the model's maximum
  int32_t threads = 0;          // 0 = all cores
  std::string device = "auto";  // "auto" | "cpu" | "cuda" | "cuda:N"
  std::string json = "{}";      // the full options object, for plugin-specific keys
};

// session_create options.
struct SessionOptions {
  int64_t context_length = 0;   // 0 = the model's context_length
  std::string json = "{}";      // the full options object
};

// Parses model_load options. `json` may be empty (= {}). Unknown keys are logged as warnings
// (pio/sdk/plugin_log.h) and kept in LoadOptions::json.
// Errors: pio::Error kBadFormat for malformed JSON or a non-object; kInvalidArgument naming the
// key for a wrong type or value (unknown dtype/device, negative numbers).
LoadOptions parse_load_options(std::string_view json);

// Parses session_create options, with the same rules.
SessionOptions parse_session_options(std::string_view json);

}  // namespace pio::sdk
