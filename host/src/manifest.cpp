// Validating reader for plugin_manifest.json (RapidJSON stays inside this file).
#include "pio/host/manifest.h"

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "pio/sdk/error.h"

namespace pio::host {
namespace {

namespace fs = std::filesystem;
using rapidjson::Value;

const char* json_type_name(const Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "a boolean";
  if (v.IsObject()) return "an object";
  if (v.IsArray()) return "an array";
  if (v.IsString()) return "a string";
  return "a number";
}

// One place that formats every manifest error, so they all read alike.
template <typename... Args>
[[noreturn]] void fail(ErrorCode code, const fs::path& file, fmt::format_string<Args...> format,
                       Args&&... args) {
  throw Error(code, fmt::format("{}: {}", file.string(),
                                fmt::format(format, std::forward<Args>(args)...)));
}

// HasMember + operator[] rather than comparing FindMember with MemberEnd: RapidJSON's iterator
// comparison is ambiguous under C++20's reversed operators (a clang warning, an error with -Werror).
const Value* find_member(const Value& root, const char* key) {
  return root.HasMember(key) ? &root[key] : nullptr;
}

std::string require_string(const Value& root, const char* key, const fs::path& file) {
  const Value* v = find_member(root, key);
  if (v == nullptr) fail(ErrorCode::kBadFormat, file, "missing required field '{}'", key);
  if (!v->IsString()) {
    fail(ErrorCode::kBadFormat, file, "/{}: expected a string, got {}", key, json_type_name(*v));
  }
  std::string s(v->GetString(), v->GetStringLength());
  if (s.empty()) fail(ErrorCode::kBadFormat, file, "/{}: must not be empty", key);
  return s;
}

std::string optional_string(const Value& root, const char* key, const fs::path& file) {
  const Value* v = find_member(root, key);
  if (v == nullptr) return {};
  if (!v->IsString()) {
    fail(ErrorCode::kBadFormat, file, "/{}: expected a string, got {}", key, json_type_name(*v));
  }
  return std::string(v->GetString(), v->GetStringLength());
}

std::vector<std::string> optional_string_array(const Value& root, const char* key,
                                               const fs::path& file) {
  std::vector<std::string> out;
  const Value* v = find_member(root, key);
  if (v == nullptr) return out;
  if (!v->IsArray()) {
    fail(ErrorCode::kBadFormat, file, "/{}: expected an array of strings, got {}", key,
         json_type_name(*v));
  }
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    const Value& item = (*v)[i];
    if (!item.IsString()) {
      fail(ErrorCode::kBadFormat, file, "/{}/{}: expected a string, got {}", key, i,
           json_type_name(item));
    }
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

// "1.0" -> (1, 0). Both parts are decimal integers below 2^16 (they are packed as major << 16 | minor).
bool parse_abi_version(std::string_view text, uint32_t& major, uint32_t& minor) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) return false;
  auto parse_part = [](std::string_view part, uint32_t& out) {
    if (part.empty()) return false;
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc() && ptr == part.data() + part.size() && out <= 0xFFFF;
  };
  return parse_part(text.substr(0, dot), major) && parse_part(text.substr(dot + 1), minor);
}

// Keys of schema version 1. Anything else is warned about and ignored, so that newer manifests
// (which only ever add optional keys) still load in an older host.
constexpr const char* kKnownKeys[] = {
    "$schema",      "schema_version", "name",    "version", "abi_version",
    "library",      "architectures",  "model_types", "model_type", "capabilities",
    "description",  "vendor",         "license", "sha256",  "homepage",
};

bool is_known_key(std::string_view key) {
  for (const char* known : kKnownKeys) {
    if (key == known) return true;
  }
  return false;
}

}  // namespace

std::string PluginManifest::abi_version_string() const {
  return fmt::format("{}.{}", abi_major, abi_minor);
}

PluginManifest parse_manifest(std::string_view json_text, const fs::path& manifest_file) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(json_text.data(), json_text.size());
  if (doc.HasParseError()) {
    fail(ErrorCode::kBadFormat, manifest_file, "malformed JSON at byte {}: {}", doc.GetErrorOffset(),
         rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) {
    fail(ErrorCode::kBadFormat, manifest_file, "expected a JSON object at the top level, got {}",
         json_type_name(doc));
  }

  PluginManifest m;
  m.manifest_path = fs::absolute(manifest_file).lexically_normal();

  const Value* schema = find_member(doc, "schema_version");
  if (schema == nullptr) fail(ErrorCode::kBadFormat, manifest_file, "missing required field 'schema_version'");
  if (!schema->IsInt()) {
    fail(ErrorCode::kBadFormat, manifest_file, "/schema_version: expected an integer, got {}",
         json_type_name(*schema));
  }
  m.schema_version = schema->GetInt();
  if (m.schema_version < 1 || m.schema_version > kManifestSchemaVersion) {
    fail(ErrorCode::kUnsupported, manifest_file,
         "/schema_version: {} is not supported (this host reads 1..{})", m.schema_version,
         kManifestSchemaVersion);
  }

  m.name = require_string(doc, "name", manifest_file);
  m.version = require_string(doc, "version", manifest_file);
  const std::string abi = require_string(doc, "abi_version", manifest_file);
  if (!parse_abi_version(abi, m.abi_major, m.abi_minor)) {
    fail(ErrorCode::kBadFormat, manifest_file, "/abi_version: expected \"MAJOR.MINOR\", got \"{}\"", abi);
  }
  const std::string library = require_string(doc, "library", manifest_file);

  m.architectures = optional_string_array(doc, "architectures", manifest_file);
  m.model_types = optional_string_array(doc, "model_types", manifest_file);
  // A single `model_type` string is accepted too: it is what config.json itself calls the field.
  if (const std::string single = optional_string(doc, "model_type", manifest_file); !single.empty()) {
    m.model_types.push_back(single);
  }
  if (m.architectures.empty() && m.model_types.empty()) {
    fail(ErrorCode::kBadFormat, manifest_file,
         "serves nothing: 'architectures' and 'model_types' are both missing or empty");
  }
  m.capabilities = optional_string_array(doc, "capabilities", manifest_file);
  m.description = optional_string(doc, "description", manifest_file);
  m.vendor = optional_string(doc, "vendor", manifest_file);
  m.license = optional_string(doc, "license", manifest_file);
  if (find_member(doc, "sha256") != nullptr) {
    std::string digest = optional_string(doc, "sha256", manifest_file);
    const bool hex = digest.size() == 64 && digest.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    if (!hex) fail(ErrorCode::kBadFormat, manifest_file, "/sha256: expected 64 hex digits, got \"{}\"", digest);
    for (char& c : digest) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    m.sha256 = std::move(digest);
  }

  const auto members = doc.MemberBegin();
  for (rapidjson::SizeType i = 0; i < doc.MemberCount(); ++i) {
    const Value& name = members[i].name;
    const std::string_view key(name.GetString(), name.GetStringLength());
    if (!is_known_key(key)) {
      m.warnings.push_back(fmt::format("{}: unknown key '{}' ignored", manifest_file.string(), key));
    }
  }

  // The library must sit next to the manifest: a manifest cannot point the host at arbitrary files.
  const fs::path library_name(library);
  if (library_name.has_parent_path() || library_name.is_absolute() || library == "." || library == "..") {
    fail(ErrorCode::kBadFormat, manifest_file,
         "/library: \"{}\" must be a file name in the manifest's folder, without directories", library);
  }
  m.library_path = m.manifest_path.parent_path() / library_name;
  std::error_code ec;
  if (!fs::is_regular_file(m.library_path, ec)) {
    fail(ErrorCode::kNotFound, manifest_file, "/library: library file {} not found",
         m.library_path.string());
  }
  return m;
}

PluginManifest read_manifest(const fs::path& manifest_file) {
  std::error_code ec;
  if (!fs::is_regular_file(manifest_file, ec)) {
    fail(ErrorCode::kNotFound, manifest_file, "manifest file not found");
  }
  std::ifstream in(manifest_file, std::ios::binary);
  if (!in) fail(ErrorCode::kIo, manifest_file, "cannot open manifest for reading");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(ErrorCode::kIo, manifest_file, "read error");
  return parse_manifest(text.str(), manifest_file);
}

}  // namespace pio::host
