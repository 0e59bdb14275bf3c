// A small streaming JSON writer for `--json` outputs of pio subcommands (RapidJSON underneath,
// kept out of the command files). Output is pretty-printed, UTF-8, with correct escaping.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pio::cli {

class JsonOut {
 public:
  JsonOut();
  ~JsonOut();
  JsonOut(const JsonOut&) = delete;
  JsonOut& operator=(const JsonOut&) = delete;

  JsonOut& begin_object();
  JsonOut& end_object();
  JsonOut& begin_array();
  JsonOut& end_array();
  JsonOut& key(std::string_view name);
  JsonOut& string(std::string_view value);
  JsonOut& number(int64_t value);
  JsonOut& boolean(bool value);
  JsonOut& null();
  JsonOut& string_array(const std::vector<std::string>& values);
  // Embeds a serialized JSON value (e.g. a plugin's describe JSON) as a value; text that does
  // not parse is embedded as a string instead, so the output always stays valid JSON.
  JsonOut& raw(std::string_view json_text);

  // The document written so far, with a trailing newline.
  std::string str() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pio::cli
