// Jinja parser: token stream -> syntax tree, following jinja2.parser's grammar and precedence.
#pragma once

#include <string_view>

#include "jinja_ast.h"

namespace pio::jinja {

// Parses a template. Throws pio::Error naming the line: kBadFormat for syntax errors and unknown
// filters/tests, kUnsupported for valid Jinja this renderer does not implement (include, extends,
// call blocks, recursive loops, ...).
Template parse_template(std::string_view source);

}  // namespace pio::jinja
