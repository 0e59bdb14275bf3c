// config.json -> plugin. RapidJSON is used here only to read two fields of config.json.
#include "pio/host/plugin_selection.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "pio/sdk/error.h"

namespace pio::host {
namespace {

namespace fs = std::filesystem;

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

ModelIdentity read_model_identity(const fs::path& model_dir) {
  std::error_code ec;
  if (!fs::is_directory(model_dir, ec)) {
    throw_error(ErrorCode::kNotFound, "{}: model directory not found", model_dir.string());
  }
  ModelIdentity id;
  id.config_path = model_dir / "config.json";
  if (!fs::is_regular_file(id.config_path, ec)) {
    throw_error(ErrorCode::kNotFound, "{}: config.json not found (is this a Hugging Face model directory?)",
                id.config_path.string());
  }
  std::ifstream in(id.config_path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw_error(ErrorCode::kIo, "{}: read error", id.config_path.string());
  const std::string json = text.str();

  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    throw_error(ErrorCode::kBadFormat, "{}: malformed JSON at byte {}: {}", id.config_path.string(),
                doc.GetErrorOffset(), rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) {
    throw_error(ErrorCode::kBadFormat, "{}: expected a JSON object at the top level", id.config_path.string());
  }
  // HasMember + operator[]: comparing RapidJSON member iterators is ambiguous in C++20 (clang).
  if (doc.HasMember("architectures") && !doc["architectures"].IsNull()) {
    const rapidjson::Value& architectures = doc["architectures"];
    if (!architectures.IsArray()) {
      throw_error(ErrorCode::kBadFormat, "{}: /architectures: expected an array of strings",
                  id.config_path.string());
    }
    for (rapidjson::SizeType i = 0; i < architectures.Size(); ++i) {
      const auto& item = architectures[i];
      if (!item.IsString()) {
        throw_error(ErrorCode::kBadFormat, "{}: /architectures/{}: expected a string",
                    id.config_path.string(), i);
      }
      id.architectures.emplace_back(item.GetString(), item.GetStringLength());
    }
  }
  if (doc.HasMember("model_type") && !doc["model_type"].IsNull()) {
    const rapidjson::Value& model_type = doc["model_type"];
    if (!model_type.IsString()) {
      throw_error(ErrorCode::kBadFormat, "{}: /model_type: expected a string", id.config_path.string());
    }
    id.model_type.assign(model_type.GetString(), model_type.GetStringLength());
  }
  if (id.architectures.empty() && id.model_type.empty()) {
    throw_error(ErrorCode::kBadFormat, "{}: neither 'architectures' nor 'model_type' is set",
                id.config_path.string());
  }
  return id;
}

const PluginManifest& select_plugin(const PluginCatalog& catalog, const ModelIdentity& identity) {
  for (const std::string& arch : identity.architectures) {
    for (const PluginManifest& m : catalog.plugins) {
      if (contains(m.architectures, arch)) return m;
    }
  }
  if (!identity.model_type.empty()) {
    for (const PluginManifest& m : catalog.plugins) {
      if (contains(m.model_types, identity.model_type)) return m;
    }
  }
  throw_error(ErrorCode::kNotFound,
              "{}: no plugin serves architectures [{}] / model_type '{}' ({} plugin(s) available; "
              "see `pio plugins`)",
              identity.config_path.string(), fmt::join(identity.architectures, ", "),
              identity.model_type, catalog.plugins.size());
}

const PluginManifest& select_plugin(const PluginCatalog& catalog, const fs::path& model_dir) {
  return select_plugin(catalog, read_model_identity(model_dir));
}

}  // namespace pio::host
