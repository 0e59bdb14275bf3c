// Progress reporting and cancellation for long plugin calls (model load, long prefills).
#pragma once

#include <atomic>
#include <functional>
#include <string_view>

#include "pio/plugin_abi.h"

namespace pio::host {

// What the caller of a long call wants to hear and whether it wants to stop. Both parts are
// optional. The callback may run on plugin worker threads, but only during the call.
struct Progress {
  // fraction in 0..1, stage e.g. "reading model.safetensors". Must not throw.
  std::function<void(float fraction, std::string_view stage)> on_progress;
  // When set and true, the plugin stops at its next check and the call throws kCancelled.
  const std::atomic<bool>* cancel = nullptr;
};

// Builds the C struct for one call. The returned struct points at `progress`, which must outlive
// the call. Returns a struct with NULL callbacks when `progress` is null.
pio_progress to_abi(const Progress* progress);

}  // namespace pio::host
