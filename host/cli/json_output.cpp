// JsonOut over rapidjson::PrettyWriter (see json_output.h).
#include "json_output.h"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace pio::cli {

struct JsonOut::Impl {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer{buffer};
  Impl() { writer.SetIndent(' ', 2); }
};

JsonOut::JsonOut() : impl_(std::make_unique<Impl>()) {}
JsonOut::~JsonOut() = default;

JsonOut& JsonOut::begin_object() { impl_->writer.StartObject(); return *this; }
JsonOut& JsonOut::end_object() { impl_->writer.EndObject(); return *this; }
JsonOut& JsonOut::begin_array() { impl_->writer.StartArray(); return *this; }
JsonOut& JsonOut::end_array() { impl_->writer.EndArray(); return *this; }

JsonOut& JsonOut::key(std::string_view name) {
  impl_->writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  return *this;
}

JsonOut& JsonOut::string(std::string_view value) {
  impl_->writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  return *this;
}

JsonOut& JsonOut::number(int64_t value) { impl_->writer.Int64(value); return *this; }
JsonOut& JsonOut::boolean(bool value) { impl_->writer.Bool(value); return *this; }
JsonOut& JsonOut::null() { impl_->writer.Null(); return *this; }

JsonOut& JsonOut::string_array(const std::vector<std::string>& values) {
  begin_array();
  for (const std::string& v : values) string(v);
  return end_array();
}

JsonOut& JsonOut::raw(std::string_view json_text) {
  rapidjson::Document doc;
  doc.Parse(json_text.data(), json_text.size());
  if (doc.HasParseError()) return string(json_text);
  doc.Accept(impl_->writer);
  return *this;
}

std::string JsonOut::str() const {
  return std::string(impl_->buffer.GetString(), impl_->buffer.GetSize()) + "\n";
}

}  // namespace pio::cli
