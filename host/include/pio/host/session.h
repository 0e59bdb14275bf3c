// A session: one conversation's KV cache over a Model, the C++ face of a pio_session handle.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "pio/host/model.h"

namespace pio::host {

// Which logits Session::eval returns.
enum class Logits { kNone = PIO_LOGITS_NONE, kLast = PIO_LOGITS_LAST, kAll = PIO_LOGITS_ALL };

// Made by Model::create_session. Holds its Model (and therefore the plugin library) alive: a
// session in flight keeps the model it was created on even when the registry swaps or unloads
// that model's name. The destructor releases the pio_session.
//
// Thread-safety: one thread at a time per session ([session-thread] in the ABI); different
// sessions, even of one model, may be used concurrently.
class Session {
 public:
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::shared_ptr<Model>& model() const { return model_; }
  pio_session* handle() const { return handle_; }

  // Appends `tokens` (>= 1) and returns the requested logits, row-major [rows, vocab_size] with
  // rows = 0 / 1 / tokens.size() for kNone / kLast / kAll. `images` are borrowed for the call
  // (see pio_eval_args). Throws pio::Error with the plugin's code (kContextOverflow, kCancelled,
  // kInvalidArgument, ...) and message.
  std::vector<float> eval(std::span<const pio_token> tokens, Logits mode = Logits::kLast,
                          std::span<const pio_image* const> images = {}, const Progress* progress = nullptr);

  // Same into a caller buffer of at least rows * vocab_size floats (no allocation).
  void eval_into(std::span<const pio_token> tokens, Logits mode, std::span<float> logits,
                 std::span<const pio_image* const> images = {}, const Progress* progress = nullptr);

  // Positions in the cache.
  size_t length() const;
  // Drops cached positions beyond n_tokens. Throws pio::Error (kUnsupported when the model
  // cannot rewind), leaving the session unchanged.
  void truncate(size_t n_tokens);

 private:
  friend class Model;
  Session() = default;

  std::shared_ptr<Model> model_;
  pio_session* handle_ = nullptr;
};

}  // namespace pio::host
