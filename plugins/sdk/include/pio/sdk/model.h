// pio/sdk/model.h — the C++ side of a pio_model: a plugin derives from pio::sdk::Model and
// gives the adapter a load function (see pio/sdk/plugin.h).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pio/plugin_abi.h"
#include "pio/sdk/model_info.h"
#include "pio/sdk/model_options.h"
#include "pio/sdk/session.h"

namespace pio::sdk {

// A loaded model. Shared by threads: every const member must be safe to call concurrently
// ([any-thread]). Errors are thrown as pio::Error; the adapter turns them into statuses.
class Model {
 public:
  virtual ~Model() = default;

  // What model_describe reports. Called once right after load; the adapter caches the result
  // (so it must not change over the model's life).
  virtual ModelInfo describe() const = 0;

  // Text -> ids. add_special: add BOS/EOS the tokenizer adds around a sequence.
  virtual std::vector<pio_token> tokenize(std::string_view text, bool add_special) const = 0;

  // Ids -> bytes (may end inside a UTF-8 character). Throw kInvalidArgument for an unknown id.
  virtual std::string detokenize(std::span<const pio_token> tokens, bool skip_special) const = 0;

  // Chat template rendering; both arguments are the raw JSON of the ABI call (options_json is
  // "{}" when the host passed NULL). The default throws kUnsupported.
  virtual std::string render_chat_template(std::string_view messages_json,
                                           std::string_view options_json) const;

  // A new, empty session. The adapter has already applied defaults: options.context_length is
  // in 1 .. describe().context_length.
  virtual std::unique_ptr<Session> create_session(const SessionOptions& options) const = 0;
};

}  // namespace pio::sdk
