// A loaded model: the C++ face of a pio_model handle, keeping its plugin library alive.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pio/host/plugin.h"
#include "pio/host/progress.h"

namespace pio::host {

class Session;

// Options of Model::load.
struct ModelLoadOptions {
  // The plugin's load options as a JSON object ("dtype", "context_length", "threads", "device",
  // ...; see model_load in pio/plugin_abi.h). Empty means {}.
  std::string options_json;
  // Optional progress / cancellation for the load.
  const Progress* progress = nullptr;
};

// A model loaded by a plugin. Always held by std::shared_ptr; it holds its Plugin, so the library
// stays loaded while the model (or any of its sessions) lives. The destructor releases the
// pio_model through the plugin's table.
//
// Thread-safety: all const members may be called concurrently from any threads (the ABI's model
// entries are [any-thread]); create_session too.
class Model : public std::enable_shared_from_this<Model> {
 public:
  // Loads `model_dir` with `plugin`. Throws pio::Error with the plugin's code and message
  // ("<plugin>: model_load <dir>: <reason>"). Thread-safety: any thread.
  static std::shared_ptr<Model> load(std::shared_ptr<Plugin> plugin, const std::filesystem::path& model_dir,
                                     const ModelLoadOptions& options = {});

  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::shared_ptr<Plugin>& plugin() const { return plugin_; }
  const std::filesystem::path& model_dir() const { return model_dir_; }
  // The raw handle, for code that calls the table directly. Owned by this Model.
  pio_model* handle() const { return handle_; }

  // The model's describe JSON (see model_describe in pio/plugin_abi.h), fetched once at load.
  // Empty when the plugin does not implement describe.
  const std::string& describe_json() const { return describe_json_; }
  // "vocab_size" of the describe JSON: the width of a logits row. 0 when unknown.
  size_t vocab_size() const { return vocab_size_; }

  // Text -> ids. Throws pio::Error (kUnsupported when the plugin lacks model_tokenize).
  std::vector<pio_token> tokenize(std::string_view text, bool add_special) const;
  // Ids -> bytes (may end inside a UTF-8 character). Throws pio::Error.
  std::string detokenize(std::span<const pio_token> tokens, bool skip_special) const;
  // Renders the chat template; both arguments are JSON text (options may be empty = {}).
  std::string render_chat_template(std::string_view messages_json, std::string_view options_json) const;

  // A new empty session over this model; it keeps the model alive. `options_json` may be empty.
  // Throws pio::Error.
  std::shared_ptr<Session> create_session(std::string_view options_json = {});

 private:
  Model() = default;
  // Throws kUnsupported naming the entry when the plugin's table lacks it.
  void require(bool present, const char* entry) const;

  std::shared_ptr<Plugin> plugin_;
  std::filesystem::path model_dir_;
  pio_model* handle_ = nullptr;
  std::string describe_json_;
  size_t vocab_size_ = 0;

  friend class Session;
};

}  // namespace pio::host
