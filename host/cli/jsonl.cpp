#include "jsonl.h"

#include <cstdio>
#include <string>

#include "pio/sdk/error.h"

namespace pio::cli {

void write_json_line(std::string_view json) {
  std::fwrite(json.data(), 1, json.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void write_error_line(std::string_view message) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("error");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndObject();
  write_json_line(buffer.GetString());
}

void answer_json_lines(std::istream& in, const JsonLineAnswer& answer) {
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      rapidjson::Document doc;
      doc.Parse(line.c_str(), line.size());
      if (doc.HasParseError() || !doc.IsObject())
        throw_error(ErrorCode::kBadFormat, "expected a JSON object per line");
      rapidjson::StringBuffer buffer;
      JsonLineWriter w(buffer);
      answer(doc, w);
      write_json_line(buffer.GetString());
    } catch (const Error& e) {
      write_error_line(e.what());
    }
  }
}

}  // namespace pio::cli
