// pio/sdk/plugin_progress.h — the host's per-call progress/cancellation, as a C++ value.
#pragma once

#include <string_view>

#include "pio/plugin_abi.h"

namespace pio::sdk {

// Wraps a borrowed `const pio_progress*` (may be NULL). Valid only during the ABI call that
// received it; do not store it beyond that call. Copyable and cheap.
class Progress {
 public:
  Progress() = default;
  explicit Progress(const pio_progress* progress) noexcept : progress_(progress) {}

  // Reports fraction (clamped to 0..1) and a short stage text. No-op without a callback.
  // [any-thread, during the call]
  void report(float fraction, std::string_view stage) const noexcept;

  // True when the host asked to stop. [any-thread, during the call]
  bool cancelled() const noexcept;

  // Throws pio::Error(kCancelled, "<what>: cancelled") when cancelled(). Call it between units
  // of work (a tensor, a layer, a chunk of tokens).
  void throw_if_cancelled(std::string_view what) const;

 private:
  const pio_progress* progress_ = nullptr;
};

}  // namespace pio::sdk
