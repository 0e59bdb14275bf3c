// pio/sdk/session.h — the C++ side of a pio_session: a plugin derives from pio::sdk::Session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pio/plugin_abi.h"
#include "pio/sdk/plugin_progress.h"

namespace pio::sdk {

// One RGB8 image, borrowed for the duration of Session::eval.
struct Image {
  int64_t width = 0;
  int64_t height = 0;
  int64_t stride_bytes = 0;        // >= 3 * width
  const uint8_t* data = nullptr;   // [height, stride_bytes]
};

enum class LogitsMode { kNone = PIO_LOGITS_NONE, kLast = PIO_LOGITS_LAST, kAll = PIO_LOGITS_ALL };

// One session_eval call, already validated by the adapter: tokens is non-empty, images are
// RGB8 with positive sizes, and `logits` is exactly rows * vocab_size floats (rows 0, 1 or
// tokens.size() for kNone / kLast / kAll) — the plugin fills all of it.
struct EvalRequest {
  std::span<const pio_token> tokens;
  std::span<const Image> images;   // empty for text; image i belongs to the i-th placeholder
  LogitsMode logits_mode = LogitsMode::kLast;
  std::span<float> logits;         // [rows, vocab_size], row-major
  Progress progress;               // may be polled for cancellation during long prefills
};

// A conversation's state. Used by one thread at a time ([session-thread]); the adapter keeps
// the owning Model alive as long as the Session lives.
class Session {
 public:
  virtual ~Session() = default;

  // Appends the tokens to the cache and writes the requested logits. Throw pio::Error:
  // kContextOverflow before changing anything when the cache would overflow,
  // kUnsupported for images on a text model, kCancelled when progress says so.
  virtual void eval(const EvalRequest& request) = 0;

  // Number of positions in the cache.
  virtual size_t length() const = 0;

  // Drops positions beyond n_tokens (n_tokens < length()). The default throws kUnsupported.
  virtual void truncate(size_t n_tokens);
};

}  // namespace pio::sdk
