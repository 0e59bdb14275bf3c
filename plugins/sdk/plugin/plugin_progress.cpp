// pio::sdk::Progress (pio/sdk/plugin_progress.h).
#include "pio/sdk/plugin_progress.h"

#include <algorithm>
#include <string>

#include "pio/sdk/error.h"

namespace pio::sdk {

void Progress::report(float fraction, std::string_view stage) const noexcept {
  if (progress_ == nullptr || !PIO_API_HAS(progress_, pio_progress, report)) return;
  try {
    const std::string text(stage);
    progress_->report(progress_->user_data, std::clamp(fraction, 0.0f, 1.0f), text.c_str());
  } catch (...) {
    // Progress is advisory; failing to format it is not an error of the operation.
  }
}

bool Progress::cancelled() const noexcept {
  return progress_ != nullptr && PIO_API_HAS(progress_, pio_progress, is_cancelled) &&
         progress_->is_cancelled(progress_->user_data) != 0;
}

void Progress::throw_if_cancelled(std::string_view what) const {
  if (cancelled()) throw_error(ErrorCode::kCancelled, "{}: cancelled", what);
}

}  // namespace pio::sdk
