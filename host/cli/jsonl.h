// JSON-lines output of the line-oriented commands (tokenize, template).
#pragma once

#include <string_view>

namespace pio::cli {

// Writes `json` and a newline to stdout and flushes, so a pipe sees each answer at once.
void write_json_line(std::string_view json);

// Writes {"error": message} as one line.
void write_error_line(std::string_view message);

}  // namespace pio::cli
