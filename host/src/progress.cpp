// Progress -> pio_progress adapter (see progress.h).
#include "pio/host/progress.h"

namespace pio::host {
namespace {

void report(void* user_data, float fraction, const char* stage) {
  const auto* progress = static_cast<const Progress*>(user_data);
  try {
    progress->on_progress(fraction, stage != nullptr ? std::string_view(stage) : std::string_view());
  } catch (...) {
    // An exception must not unwind through plugin frames.
  }
}

int32_t is_cancelled(void* user_data) {
  const auto* progress = static_cast<const Progress*>(user_data);
  return progress->cancel->load(std::memory_order_relaxed) ? 1 : 0;
}

}  // namespace

pio_progress to_abi(const Progress* progress) {
  pio_progress out{};
  out.struct_size = sizeof(pio_progress);
  out.abi_version = PIO_ABI_VERSION;
  if (progress == nullptr) return out;
  out.user_data = const_cast<Progress*>(progress);
  if (progress->on_progress) out.report = &report;
  if (progress->cancel != nullptr) out.is_cancelled = &is_cancelled;
  return out;
}

}  // namespace pio::host
