// Model: RAII over pio_model (see model.h).
#include "pio/host/model.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include "pio/host/session.h"
#include "pio/sdk/error.h"

namespace pio::host {
namespace {

// Owns a pio_text result until it is copied into a std::string.
std::string take_text(const pio_plugin_api& api, pio_text* text) {
  if (text == nullptr) return {};
  std::string out(api.text_data(text), api.text_size(text));
  api.text_release(text);
  return out;
}

size_t parse_vocab_size(const std::string& describe_json) {
  rapidjson::Document doc;
  doc.Parse(describe_json.data(), describe_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return 0;
  if (!doc.HasMember("vocab_size") || !doc["vocab_size"].IsUint64()) return 0;
  return static_cast<size_t>(doc["vocab_size"].GetUint64());
}

}  // namespace

void Model::require(bool present, const char* entry) const {
  if (!present) {
    throw_error(ErrorCode::kUnsupported, "{}: plugin {} {} (ABI {}) does not provide {}", model_dir_.string(),
                plugin_->name(), plugin_->version(), plugin_->abi_version_string(), entry);
  }
}

std::shared_ptr<Model> Model::load(std::shared_ptr<Plugin> plugin, const std::filesystem::path& model_dir,
                                   const ModelLoadOptions& options) {
  if (plugin == nullptr) throw_error(ErrorCode::kInvalidArgument, "Model::load: no plugin");
  std::shared_ptr<Model> model(new Model());
  model->plugin_ = std::move(plugin);
  model->model_dir_ = model_dir;
  const pio_plugin_api& api = model->plugin_->api();

  const pio_progress progress = to_abi(options.progress);
  pio_model* handle = nullptr;
  model->plugin_->check(api.model_load(model_dir.c_str(), options.options_json.empty() ? nullptr : options.options_json.c_str(),
                                       &progress, &handle),
                        fmt::format("model_load {}", model_dir.string()));
  if (handle == nullptr) {
    throw_error(ErrorCode::kInternal, "{}: model_load {}: succeeded but returned no model", model->plugin_->name(),
                model_dir.string());
  }
  model->handle_ = handle;

  const pio_plugin_api* table = &api;
  if (PIO_API_HAS(table, pio_plugin_api, model_describe) && PIO_API_HAS(table, pio_plugin_api, text_data) &&
      PIO_API_HAS(table, pio_plugin_api, text_size) && PIO_API_HAS(table, pio_plugin_api, text_release)) {
    pio_text* json = nullptr;
    model->plugin_->check(api.model_describe(handle, &json), fmt::format("model_describe {}", model_dir.string()));
    model->describe_json_ = take_text(api, json);
    model->vocab_size_ = parse_vocab_size(model->describe_json_);
  }
  return model;
}

Model::~Model() {
  if (handle_ != nullptr) plugin_->api().model_release(handle_);
  // plugin_ is released after this body: the library outlives the model handle.
}

std::vector<pio_token> Model::tokenize(std::string_view text, bool add_special) const {
  const pio_plugin_api* api = &plugin_->api();
  require(PIO_API_HAS(api, pio_plugin_api, model_tokenize) && PIO_API_HAS(api, pio_plugin_api, tokens_data) &&
              PIO_API_HAS(api, pio_plugin_api, tokens_count) && PIO_API_HAS(api, pio_plugin_api, tokens_release),
          "model_tokenize");
  pio_tokens* result = nullptr;
  plugin_->check(api->model_tokenize(handle_, text.data(), text.size(), add_special ? 1 : 0, &result), "model_tokenize");
  std::vector<pio_token> ids;
  if (result != nullptr) {
    const size_t n = api->tokens_count(result);
    const pio_token* data = api->tokens_data(result);
    if (n > 0 && data != nullptr) ids.assign(data, data + n);
    api->tokens_release(result);
  }
  return ids;
}

std::string Model::detokenize(std::span<const pio_token> tokens, bool skip_special) const {
  const pio_plugin_api* api = &plugin_->api();
  require(PIO_API_HAS(api, pio_plugin_api, model_detokenize) && PIO_API_HAS(api, pio_plugin_api, text_data) &&
              PIO_API_HAS(api, pio_plugin_api, text_size) && PIO_API_HAS(api, pio_plugin_api, text_release),
          "model_detokenize");
  pio_text* text = nullptr;
  plugin_->check(api->model_detokenize(handle_, tokens.data(), tokens.size(), skip_special ? 1 : 0, &text),
                 "model_detokenize");
  return take_text(*api, text);
}

std::string Model::render_chat_template(std::string_view messages_json, std::string_view options_json) const {
  const pio_plugin_api* api = &plugin_->api();
  require(PIO_API_HAS(api, pio_plugin_api, model_render_chat_template) && PIO_API_HAS(api, pio_plugin_api, text_data) &&
              PIO_API_HAS(api, pio_plugin_api, text_size) && PIO_API_HAS(api, pio_plugin_api, text_release),
          "model_render_chat_template");
  const std::string messages(messages_json);
  const std::string options(options_json);
  pio_text* text = nullptr;
  plugin_->check(api->model_render_chat_template(handle_, messages.c_str(), options.empty() ? nullptr : options.c_str(),
                                                 &text),
                 "model_render_chat_template");
  return take_text(*api, text);
}

std::shared_ptr<Session> Model::create_session(std::string_view options_json) {
  const pio_plugin_api* api = &plugin_->api();
  require(PIO_API_HAS(api, pio_plugin_api, session_create) && PIO_API_HAS(api, pio_plugin_api, session_release),
          "session_create");
  const std::string options(options_json);
  pio_session* handle = nullptr;
  plugin_->check(api->session_create(handle_, options.empty() ? nullptr : options.c_str(), &handle), "session_create");
  std::shared_ptr<Session> session(new Session());
  session->model_ = shared_from_this();
  session->handle_ = handle;
  return session;
}

}  // namespace pio::host
