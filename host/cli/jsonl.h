// JSON-lines output of the line-oriented commands (tokenize, template).
#pragma once

#include <functional>
#include <istream>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace pio::cli {

// Writes `json` and a newline to stdout and flushes, so a pipe sees each answer at once.
void write_json_line(std::string_view json);

// Writes {"error": message} as one line.
void write_error_line(std::string_view message);

// Writer of one answer line.
using JsonLineWriter = rapidjson::Writer<rapidjson::StringBuffer>;
// Turns one request line into one answer value; may modify the request; throws pio::Error.
using JsonLineAnswer = std::function<void(rapidjson::Document& request, JsonLineWriter& out)>;

// The request loop of the line-oriented commands: reads `in` line by line until EOF, skips empty
// lines, and parses each other line as a JSON object that `answer` turns into one JSON value
// written to its writer (the request may be modified). Each answer is written as one line;
// a line that is not a JSON object, or a pio::Error thrown by `answer`, gives one
// {"error": "..."} line instead and the loop goes on. Other exceptions propagate.
void answer_json_lines(std::istream& in, const JsonLineAnswer& answer);

}  // namespace pio::cli
