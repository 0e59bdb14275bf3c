#include "pio/generation/tool_call_parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace pio {
namespace {

constexpr std::string_view kCallOpen = "<tool_call>";
constexpr std::string_view kCallClose = "</tool_call>";
constexpr std::string_view kFunctionOpen = "<function=";
constexpr std::string_view kFunctionClose = "</function>";
constexpr std::string_view kParameterOpen = "<parameter=";
constexpr std::string_view kParameterClose = "</parameter>";
constexpr std::string_view kArgKeyOpen = "<arg_key>";
constexpr std::string_view kArgKeyClose = "</arg_key>";
constexpr std::string_view kArgValueOpen = "<arg_value>";
constexpr std::string_view kArgValueClose = "</arg_value>";
constexpr std::string_view kWhitespace = " \t\r\n";

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

bool is_space(char c) { return kWhitespace.find(c) != std::string_view::npos; }

std::string_view trim(std::string_view s) {
  const size_t first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kWhitespace) - first + 1);
}

bool starts_with_at(std::string_view s, size_t pos, std::string_view prefix) {
  return s.substr(std::min(pos, s.size()), prefix.size()) == prefix;
}

size_t skip_space(std::string_view s, size_t pos) {
  while (pos < s.size() && is_space(s[pos])) ++pos;
  return pos;
}

// Length of the longest tail of `text` that is a proper prefix of `tag`.
size_t partial_tag_tail(std::string_view text, std::string_view tag) {
  for (size_t len = std::min(text.size(), tag.size() - 1); len > 0; --len)
    if (text.substr(text.size() - len) == tag.substr(0, len)) return len;
  return 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool write_json_text(Writer& writer, std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) return false;
  return doc.Accept(writer);
}

std::optional<int64_t> parse_int(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> parse_double(std::string_view text) {
  if (text.empty() || text.find_first_not_of("+-.0123456789eE") != std::string_view::npos)
    return std::nullopt;  // rejects nan, inf, hex
  std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// Writes one XML parameter value, typed by its schema type (see the header).
void write_typed_value(Writer& writer, std::string_view value, std::string_view type) {
  const std::string t = lower(type);
  auto as_string = [&] { writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size())); };
  if (t.empty() || t == "string" || t == "str" || t == "text" || t == "varchar" || t == "char" ||
      t == "enum") {
    return as_string();
  }
  const std::string_view v = trim(value);
  if (v == "null" || v == "None") {
    writer.Null();
    return;
  }
  if (t.starts_with("int") || t.starts_with("uint") || t == "long" || t == "short" ||
      t == "unsigned") {
    if (auto i = parse_int(v)) return static_cast<void>(writer.Int64(*i));
    return as_string();
  }
  if (t.starts_with("num") || t.starts_with("float") || t == "double") {
    const bool integral = v.find_first_of(".eE") == std::string_view::npos;
    if (auto i = integral ? parse_int(v) : std::nullopt) return static_cast<void>(writer.Int64(*i));
    if (auto d = parse_double(v)) return static_cast<void>(writer.Double(*d));
    return as_string();
  }
  if (t == "boolean" || t == "bool" || t == "binary") {
    const std::string b = lower(v);
    if (b == "true" || b == "false") return static_cast<void>(writer.Bool(b == "true"));
    return as_string();
  }
  // object, array, or a type we do not know: JSON if it parses, else the text.
  rapidjson::StringBuffer probe;
  Writer probe_writer(probe);
  if (write_json_text(probe_writer, v)) {
    writer.RawValue(probe.GetString(), probe.GetSize(), rapidjson::kObjectType);
    return;
  }
  as_string();
}

// <function=NAME>\n<parameter=P>\nVALUE\n</parameter>...</function>, one or more functions.
bool parse_xml_body(std::string_view body, const ToolSchemas& schemas, std::vector<ToolCall>& calls) {
  std::vector<ToolCall> parsed;
  size_t pos = skip_space(body, 0);
  while (pos < body.size()) {
    if (!starts_with_at(body, pos, kFunctionOpen)) return false;
    pos += kFunctionOpen.size();
    const size_t name_end = body.find('>', pos);
    if (name_end == std::string_view::npos) return false;
    const std::string_view name = trim(body.substr(pos, name_end - pos));
    if (name.empty() || name.find('\n') != std::string_view::npos) return false;
    pos = name_end + 1;

    std::vector<std::pair<std::string, std::string>> params;  // in order, later duplicates win
    while (true) {
      pos = skip_space(body, pos);
      if (pos >= body.size()) break;  // lenient: `</function>` missing at the end of the call
      if (starts_with_at(body, pos, kFunctionClose)) {
        pos += kFunctionClose.size();
        break;
      }
      if (!starts_with_at(body, pos, kParameterOpen)) return false;
      pos += kParameterOpen.size();
      const size_t pname_end = body.find('>', pos);
      if (pname_end == std::string_view::npos) return false;
      const std::string_view pname = trim(body.substr(pos, pname_end - pos));
      if (pname.empty() || pname.find('\n') != std::string_view::npos) return false;
      pos = pname_end + 1;
      // The value ends at `</parameter>`, or (lenient) before the next parameter or function end.
      size_t value_end = body.size();
      size_t resume = body.size();
      for (std::string_view end_tag : {kParameterClose, kParameterOpen, kFunctionClose}) {
        const size_t at = body.find(end_tag, pos);
        if (at < value_end) {
          value_end = at;
          resume = end_tag == kParameterClose ? at + end_tag.size() : at;
        }
      }
      std::string_view value = body.substr(pos, value_end - pos);
      if (value.starts_with('\n')) value.remove_prefix(1);
      if (value.ends_with('\n')) value.remove_suffix(1);
      std::erase_if(params, [&](const auto& p) { return p.first == pname; });
      params.emplace_back(std::string(pname), std::string(value));
      pos = resume;
    }

    rapidjson::StringBuffer buffer;
    Writer writer(buffer);
    writer.StartObject();
    for (const auto& [pname, value] : params) {
      writer.Key(pname.data(), static_cast<rapidjson::SizeType>(pname.size()));
      write_typed_value(writer, value, schemas.parameter_type(name, pname));
    }
    writer.EndObject();
    parsed.push_back({std::string(name), std::string(buffer.GetString(), buffer.GetSize())});
    pos = skip_space(body, pos);
  }
  if (parsed.empty()) return false;
  calls.insert(calls.end(), parsed.begin(), parsed.end());
  return true;
}

// {"name": NAME, "arguments": {...}}
bool parse_json_body(std::string_view body, std::vector<ToolCall>& calls) {
  const std::string_view text = trim(body);
  rapidjson::Document parsed;
  parsed.Parse(text.data(), text.size());
  if (parsed.HasParseError() || !parsed.IsObject()) return false;
  const rapidjson::Value& doc = parsed;  // const iterators: unambiguous == under C++20 clang
  auto name = doc.FindMember("name");
  if (name == doc.MemberEnd() || !name->value.IsString() || name->value.GetStringLength() == 0)
    return false;
  const rapidjson::Value* args = nullptr;
  for (const char* key : {"arguments", "parameters"}) {
    auto it = doc.FindMember(key);
    if (it != doc.MemberEnd()) {
      args = &it->value;
      break;
    }
  }
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  if (args == nullptr) {
    writer.StartObject();
    writer.EndObject();
  } else if (args->IsObject()) {
    args->Accept(writer);
  } else if (args->IsString()) {  // arguments given as a JSON string holding an object
    rapidjson::Document inner;
    inner.Parse(args->GetString(), args->GetStringLength());
    if (inner.HasParseError() || !inner.IsObject()) return false;
    inner.Accept(writer);
  } else {
    return false;
  }
  calls.push_back({name->value.GetString(), std::string(buffer.GetString(), buffer.GetSize())});
  return true;
}

// GLM-4.x: NAME<arg_key>K</arg_key><arg_value>V</arg_value>... (whitespace allowed between). The
// template writes strings verbatim and everything else as JSON, so a value is JSON unless its
// schema says string (or it does not parse).
bool parse_glm_body(std::string_view body, const ToolSchemas& schemas, std::vector<ToolCall>& calls) {
  const std::string_view text = trim(body);
  const size_t first_key = text.find(kArgKeyOpen);
  const std::string_view name = trim(text.substr(0, first_key));
  if (name.empty() || name.find_first_of(" \t\r\n<>{}\"") != std::string_view::npos) return false;
  // A bare word is a call only when it names an offered tool; with arguments, an unknown name
  // is accepted only when no tools are known (as for the other formats).
  const bool known = schemas.has_function(name);
  if (first_key == std::string_view::npos ? !known : (!known && schemas.size() > 0)) return false;
  std::vector<std::pair<std::string, std::string>> args;
  size_t pos = first_key == std::string_view::npos ? text.size() : first_key;
  while (pos < text.size()) {
    if (!starts_with_at(text, pos, kArgKeyOpen)) return false;
    pos += kArgKeyOpen.size();
    const size_t key_end = text.find(kArgKeyClose, pos);
    if (key_end == std::string_view::npos) return false;
    const std::string_view key = trim(text.substr(pos, key_end - pos));
    if (key.empty()) return false;
    pos = skip_space(text, key_end + kArgKeyClose.size());
    if (!starts_with_at(text, pos, kArgValueOpen)) return false;
    pos += kArgValueOpen.size();
    const size_t value_end = text.find(kArgValueClose, pos);
    if (value_end == std::string_view::npos) return false;
    std::erase_if(args, [&](const auto& a) { return a.first == key; });
    args.emplace_back(std::string(key), std::string(text.substr(pos, value_end - pos)));
    pos = skip_space(text, value_end + kArgValueClose.size());
  }
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  for (const auto& [key, value] : args) {
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    const std::string type = lower(schemas.parameter_type(name, key));
    const bool text_type = type == "string" || type == "str" || type == "text" || type == "enum";
    rapidjson::StringBuffer probe;
    Writer probe_writer(probe);
    if (!text_type && write_json_text(probe_writer, trim(value))) {
      writer.RawValue(probe.GetString(), probe.GetSize(), rapidjson::kObjectType);
    } else {
      writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    }
  }
  writer.EndObject();
  calls.push_back({std::string(name), std::string(buffer.GetString(), buffer.GetSize())});
  return true;
}

}  // namespace

bool parse_tool_call_body(std::string_view body, const ToolSchemas& schemas,
                          std::vector<ToolCall>& calls) {
  const size_t first = skip_space(body, 0);
  if (first < body.size() && body[first] == '{') return parse_json_body(body, calls);
  if (starts_with_at(body, first, kFunctionOpen)) return parse_xml_body(body, schemas, calls);
  return parse_glm_body(body, schemas, calls);
}

ToolCallStreamParser::ToolCallStreamParser(ToolSchemas schemas) : schemas_(std::move(schemas)) {}

void ToolCallStreamParser::emit_content(Delta& out, std::string_view text) {
  if (after_call_ && !emitted_any_) {  // nothing before the call: no leading separator
    const size_t first = text.find_first_not_of(kWhitespace);
    if (first == std::string_view::npos) return;
    text.remove_prefix(first);
    after_call_ = false;
  }
  const size_t last = text.find_last_not_of(kWhitespace);
  if (last == std::string_view::npos) {
    whitespace_.append(text);
    return;
  }
  out.content.append(whitespace_);
  whitespace_.clear();
  out.content.append(text.substr(0, last + 1));
  whitespace_.append(text.substr(last + 1));
  emitted_any_ = true;
  after_call_ = false;
}

void ToolCallStreamParser::step(Delta& out) {
  while (true) {
    if (!in_call_) {
      const size_t open = pending_.find(kCallOpen);
      if (open == std::string::npos) {
        const size_t hold = partial_tag_tail(pending_, kCallOpen);
        emit_content(out, std::string_view(pending_).substr(0, pending_.size() - hold));
        pending_.erase(0, pending_.size() - hold);
        return;
      }
      emit_content(out, std::string_view(pending_).substr(0, open));
      pending_.erase(0, open + kCallOpen.size());
      in_call_ = true;
      continue;
    }
    // Long calls arrive in many pieces: search only where `</tool_call>` could newly complete.
    const size_t close = pending_.find(kCallClose, scanned_);
    if (close == std::string::npos) {
      scanned_ = pending_.size() >= kCallClose.size() ? pending_.size() - kCallClose.size() + 1 : 0;
      return;
    }
    scanned_ = 0;
    const std::string_view body = std::string_view(pending_).substr(0, close);
    const size_t before = out.calls.size();
    if (parse_tool_call_body(body, schemas_, out.calls)) {
      calls_seen_ += out.calls.size() - before;
      whitespace_.clear();  // whitespace between content and a call is not content
      after_call_ = true;
    } else {
      std::string raw;
      raw.append(kCallOpen).append(body).append(kCallClose);
      emit_content(out, raw);
    }
    pending_.erase(0, close + kCallClose.size());
    in_call_ = false;
  }
}

ToolCallStreamParser::Delta ToolCallStreamParser::push(std::string_view piece) {
  pending_.append(piece);
  Delta out;
  step(out);
  return out;
}

ToolCallStreamParser::Delta ToolCallStreamParser::flush() {
  Delta out;
  if (in_call_) {
    std::string raw(kCallOpen);
    raw.append(pending_);
    emit_content(out, raw);
  } else {
    emit_content(out, pending_);
  }
  pending_.clear();
  in_call_ = false;
  scanned_ = 0;
  if (calls_seen_ == 0) out.content.append(whitespace_);
  whitespace_.clear();
  return out;
}

ParsedToolCalls parse_tool_calls(std::string_view text, const ToolSchemas& schemas) {
  ToolCallStreamParser parser(schemas);
  ToolCallStreamParser::Delta a = parser.push(text);
  ToolCallStreamParser::Delta b = parser.flush();
  ParsedToolCalls result{std::move(a.content), std::move(a.calls)};
  result.content += b.content;
  result.calls.insert(result.calls.end(), b.calls.begin(), b.calls.end());
  return result;
}

}  // namespace pio
