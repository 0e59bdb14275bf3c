// The adapter: the entry point's body and the pio_plugin_api table whose entries map handles to
// the plugin's C++ objects, validate arguments, and run inside abi_guard (pio/sdk/plugin.h).
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "pio/sdk/abi_guard.h"
#include "pio/sdk/error.h"
#include "pio/sdk/plugin.h"
#include "plugin_host.h"

// The ABI declares these handles opaque; inside a plugin the adapter is their one definition,
// so handles convert to objects without casts.
struct pio_model {
  std::shared_ptr<const pio::sdk::Model> model;
  pio::sdk::ModelInfo info;   // describe(), cached at load
  std::string describe_json;  // to_json(info)
};

struct pio_session {
  std::shared_ptr<const pio::sdk::Model> model;  // declared first: destroyed after the session
  std::unique_ptr<pio::sdk::Session> session;
  int64_t vocab_size;
  bool vision;
};

struct pio_text {
  std::string text;
};

struct pio_tokens {
  std::vector<pio_token> ids;
};

namespace pio::sdk {
namespace {

std::atomic<const PluginDefinition*> g_definition{nullptr};

template <typename T>
void require_non_null(const T* pointer, std::string_view entry, std::string_view name) {
  if (pointer == nullptr) throw_error(ErrorCode::kInvalidArgument, "{}: {} is NULL", entry, name);
}

// --- result objects ---------------------------------------------------------------------------

const char* text_data(const pio_text* text) { return text != nullptr ? text->text.c_str() : ""; }
size_t text_size(const pio_text* text) { return text != nullptr ? text->text.size() : 0; }
void text_release(pio_text* text) { delete text; }

const pio_token* tokens_data(const pio_tokens* tokens) {
  return tokens != nullptr && !tokens->ids.empty() ? tokens->ids.data() : nullptr;
}
size_t tokens_count(const pio_tokens* tokens) { return tokens != nullptr ? tokens->ids.size() : 0; }
void tokens_release(pio_tokens* tokens) { delete tokens; }

// --- models -----------------------------------------------------------------------------------

pio_status* model_load(const char* model_dir, const char* options_json, const pio_progress* progress,
                       pio_model** out_model) {
  return abi_guard([&] {
    require_non_null(model_dir, "model_load", "model_dir");
    require_non_null(out_model, "model_load", "out_model");
    const PluginDefinition* definition = g_definition.load(std::memory_order_acquire);
    if (definition == nullptr || definition->load == nullptr) {
      throw_error(ErrorCode::kInternal, "model_load: plugin has no load function");
    }
    const LoadOptions options = parse_load_options(options_json != nullptr ? options_json : "");
    auto box = std::make_unique<pio_model>();
    std::unique_ptr<Model> model = definition->load(std::filesystem::path(model_dir), options, Progress(progress));
    if (model == nullptr) throw_error(ErrorCode::kInternal, "model_load: {}: the plugin returned no model", model_dir);
    box->info = model->describe();
    if (box->info.vocab_size <= 0 || box->info.context_length <= 0) {
      throw_error(ErrorCode::kInternal, "model_load: {}: plugin reports vocab_size {} and context_length {}",
                  model_dir, box->info.vocab_size, box->info.context_length);
    }
    box->describe_json = to_json(box->info);
    box->model = std::move(model);
    *out_model = box.release();
  });
}

void model_release(pio_model* model) {
  // Destructors of plugin objects should not throw; if one does, the host cannot act on it.
  try {
    delete model;
  } catch (...) {
    log_error("model_release: destructor threw; memory may have leaked");
  }
}

pio_status* model_describe(const pio_model* model, pio_text** out_json) {
  return abi_guard([&] {
    require_non_null(model, "model_describe", "model");
    require_non_null(out_json, "model_describe", "out_json");
    *out_json = new pio_text{model->describe_json};
  });
}

pio_status* model_tokenize(const pio_model* model, const char* text, size_t text_size, int32_t add_special,
                           pio_tokens** out_tokens) {
  return abi_guard([&] {
    require_non_null(model, "model_tokenize", "model");
    require_non_null(out_tokens, "model_tokenize", "out_tokens");
    if (text == nullptr && text_size > 0) require_non_null(text, "model_tokenize", "text");
    const std::string_view input = text_size > 0 ? std::string_view(text, text_size) : std::string_view();
    auto result = std::make_unique<pio_tokens>();
    result->ids = model->model->tokenize(input, add_special != 0);
    *out_tokens = result.release();
  });
}

pio_status* model_detokenize(const pio_model* model, const pio_token* tokens, size_t n_tokens, int32_t skip_special,
                             pio_text** out_text) {
  return abi_guard([&] {
    require_non_null(model, "model_detokenize", "model");
    require_non_null(out_text, "model_detokenize", "out_text");
    if (n_tokens > 0) require_non_null(tokens, "model_detokenize", "tokens");
    const std::span<const pio_token> ids = n_tokens > 0 ? std::span(tokens, n_tokens) : std::span<const pio_token>();
    auto result = std::make_unique<pio_text>();
    result->text = model->model->detokenize(ids, skip_special != 0);
    *out_text = result.release();
  });
}

pio_status* model_render_chat_template(const pio_model* model, const char* messages_json, const char* options_json,
                                       pio_text** out_text) {
  return abi_guard([&] {
    require_non_null(model, "model_render_chat_template", "model");
    require_non_null(messages_json, "model_render_chat_template", "messages_json");
    require_non_null(out_text, "model_render_chat_template", "out_text");
    auto result = std::make_unique<pio_text>();
    result->text = model->model->render_chat_template(messages_json, options_json != nullptr ? options_json : "{}");
    *out_text = result.release();
  });
}

// --- sessions ---------------------------------------------------------------------------------

pio_status* session_create(pio_model* model, const char* options_json, pio_session** out_session) {
  return abi_guard([&] {
    require_non_null(model, "session_create", "model");
    require_non_null(out_session, "session_create", "out_session");
    SessionOptions options = parse_session_options(options_json != nullptr ? options_json : "");
    if (options.context_length == 0) options.context_length = model->info.context_length;
    if (options.context_length > model->info.context_length) {
      throw_error(ErrorCode::kInvalidArgument, "session_create: context_length {} exceeds the model's {}",
                  options.context_length, model->info.context_length);
    }
    auto box = std::make_unique<pio_session>();
    box->model = model->model;
    box->vocab_size = model->info.vocab_size;
    box->vision = model->info.capabilities.vision;
    box->session = model->model->create_session(options);
    if (box->session == nullptr) throw_error(ErrorCode::kInternal, "session_create: the plugin returned no session");
    *out_session = box.release();
  });
}

void session_release(pio_session* session) {
  try {
    delete session;
  } catch (...) {
    log_error("session_release: destructor threw; memory may have leaked");
  }
}

std::vector<Image> convert_images(const pio_eval_args& args, bool vision) {
  std::vector<Image> images;
  if (args.n_images == 0) return images;
  if (!vision) throw_error(ErrorCode::kUnsupported, "session_eval: {} image(s) given to a text-only model", args.n_images);
  require_non_null(args.images, "session_eval", "images");
  images.reserve(args.n_images);
  for (size_t i = 0; i < args.n_images; ++i) {
    const pio_image* image = args.images[i];
    if (image == nullptr) throw_error(ErrorCode::kInvalidArgument, "session_eval: images[{}] is NULL", i);
    if (!PIO_STRUCT_COVERS(image, pio_image, data)) {
      throw_error(ErrorCode::kInvalidArgument, "session_eval: images[{}] has struct_size {}, too small", i,
                  image->struct_size);
    }
    if (image->format != PIO_PIXEL_FORMAT_RGB8) {
      throw_error(ErrorCode::kUnsupported, "session_eval: images[{}] has pixel format {}; only RGB8 is supported", i,
                  image->format);
    }
    if (image->width <= 0 || image->height <= 0 || image->stride_bytes < 3 * image->width || image->data == nullptr) {
      throw_error(ErrorCode::kInvalidArgument, "session_eval: images[{}] is {}x{} with stride {} and data {}", i,
                  image->width, image->height, image->stride_bytes, image->data != nullptr ? "set" : "NULL");
    }
    images.push_back(Image{image->width, image->height, image->stride_bytes, image->data});
  }
  return images;
}

pio_status* session_eval(pio_session* session, const pio_eval_args* args) {
  return abi_guard([&] {
    require_non_null(session, "session_eval", "session");
    require_non_null(args, "session_eval", "args");
    if (!PIO_ABI_IS_COMPATIBLE(args->abi_version, PIO_ABI_VERSION)) {
      throw_error(ErrorCode::kAbiMismatch, "session_eval: args have ABI version {}.{}, plugin has {}.{}",
                  PIO_ABI_VERSION_GET_MAJOR(args->abi_version), PIO_ABI_VERSION_GET_MINOR(args->abi_version),
                  PIO_ABI_VERSION_MAJOR, PIO_ABI_VERSION_MINOR);
    }
    if (!PIO_STRUCT_COVERS(args, pio_eval_args, logits_mode)) {
      throw_error(ErrorCode::kInvalidArgument, "session_eval: args struct_size {} is smaller than v1.0's",
                  args->struct_size);
    }
    if (args->n_tokens == 0) throw_error(ErrorCode::kInvalidArgument, "session_eval: n_tokens is 0");
    require_non_null(args->tokens, "session_eval", "tokens");
    size_t rows = 0;
    switch (args->logits_mode) {
      case PIO_LOGITS_NONE: rows = 0; break;
      case PIO_LOGITS_LAST: rows = 1; break;
      case PIO_LOGITS_ALL: rows = args->n_tokens; break;
      default: throw_error(ErrorCode::kInvalidArgument, "session_eval: unknown logits_mode {}", args->logits_mode);
    }
    const size_t needed = rows * static_cast<size_t>(session->vocab_size);
    if (needed > 0) {
      require_non_null(args->logits, "session_eval", "logits");
      if (args->logits_capacity < needed) {
        throw_error(ErrorCode::kInvalidArgument, "session_eval: logits buffer holds {} floats; {} rows x {} need {}",
                    args->logits_capacity, rows, session->vocab_size, needed);
      }
    }
    const Progress progress(PIO_STRUCT_COVERS(args, pio_eval_args, progress) ? args->progress : nullptr);
    const std::vector<Image> images = convert_images(*args, session->vision);
    EvalRequest request;
    request.tokens = std::span(args->tokens, args->n_tokens);
    request.images = images;
    request.logits_mode = static_cast<LogitsMode>(args->logits_mode);
    request.logits = needed > 0 ? std::span(args->logits, needed) : std::span<float>();
    request.progress = progress;
    session->session->eval(request);
  });
}

size_t session_length(const pio_session* session) {
  if (session == nullptr) return 0;
  try {
    return session->session->length();
  } catch (...) {
    log_error("session_length: the plugin threw; reporting 0");
    return 0;
  }
}

pio_status* session_truncate(pio_session* session, size_t n_tokens) {
  return abi_guard([&] {
    require_non_null(session, "session_truncate", "session");
    if (n_tokens >= session->session->length()) return;
    session->session->truncate(n_tokens);
  });
}

pio_plugin_api make_table(const PluginDefinition& definition) {
  pio_plugin_api table{};
  table.struct_size = sizeof(pio_plugin_api);
  table.abi_version = PIO_ABI_VERSION;
  table.plugin_name = definition.name;
  table.plugin_version = definition.version;
  table.status_code = &pio::sdk::status_code;
  table.status_message = &pio::sdk::status_message;
  table.status_release = &pio::sdk::status_release;
  table.text_data = &text_data;
  table.text_size = &text_size;
  table.text_release = &text_release;
  table.tokens_data = &tokens_data;
  table.tokens_count = &tokens_count;
  table.tokens_release = &tokens_release;
  table.model_load = &model_load;
  table.model_release = &model_release;
  table.model_describe = &model_describe;
  table.model_tokenize = &model_tokenize;
  table.model_detokenize = &model_detokenize;
  table.model_render_chat_template = &model_render_chat_template;
  table.session_create = &session_create;
  table.session_release = &session_release;
  table.session_eval = &session_eval;
  table.session_length = &session_length;
  table.session_truncate = &session_truncate;
  return table;
}

}  // namespace

namespace detail {

const pio_plugin_api* plugin_entry(uint32_t host_abi_version, const pio_host_api* host,
                                   const PluginDefinition& definition) noexcept {
  const PluginDefinition* expected = nullptr;
  g_definition.compare_exchange_strong(expected, &definition, std::memory_order_acq_rel);
  const PluginDefinition& fixed = *g_definition.load(std::memory_order_acquire);
  static const pio_plugin_api table = make_table(fixed);

  // Only the first two members of the host struct are stable across majors: a host of another
  // major is not used at all. It will refuse this plugin anyway after reading table.abi_version.
  const bool host_compatible = PIO_ABI_IS_COMPATIBLE(host_abi_version, PIO_ABI_VERSION) && host != nullptr &&
                               host->struct_size >= 2 * sizeof(uint32_t) &&
                               PIO_ABI_IS_COMPATIBLE(host->abi_version, PIO_ABI_VERSION);
  set_host(host_compatible ? host : nullptr);
  if (host_compatible) {
    log_debug("plugin {} {} (ABI {}.{}) attached to host ABI {}.{}", fixed.name, fixed.version, PIO_ABI_VERSION_MAJOR,
              PIO_ABI_VERSION_MINOR, PIO_ABI_VERSION_GET_MAJOR(host_abi_version),
              PIO_ABI_VERSION_GET_MINOR(host_abi_version));
  }
  return &table;
}

}  // namespace detail
}  // namespace pio::sdk
