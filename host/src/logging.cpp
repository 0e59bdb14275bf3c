// Host logging (see logging.h).
#include "pio/host/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace pio::host {
namespace {

spdlog::level::level_enum to_spdlog(Verbosity verbosity) {
  switch (verbosity) {
    case Verbosity::kQuiet: return spdlog::level::err;
    case Verbosity::kNormal: return spdlog::level::info;
    case Verbosity::kVerbose: return spdlog::level::debug;
    case Verbosity::kTrace: return spdlog::level::trace;
  }
  return spdlog::level::info;
}

spdlog::level::level_enum to_spdlog(pio_log_level level) {
  switch (level) {
    case PIO_LOG_TRACE: return spdlog::level::trace;
    case PIO_LOG_DEBUG: return spdlog::level::debug;
    case PIO_LOG_INFO: return spdlog::level::info;
    case PIO_LOG_WARN: return spdlog::level::warn;
    case PIO_LOG_ERROR: return spdlog::level::err;
    default: return spdlog::level::warn;  // an unknown (newer) level: show rather than drop
  }
}

}  // namespace

void init_logging(Verbosity verbosity) {
  static const bool installed = [] {
    auto logger = spdlog::stderr_color_mt("pio");
    logger->set_pattern("pio: %^%l%$: %v");
    spdlog::set_default_logger(std::move(logger));
    return true;
  }();
  (void)installed;
  spdlog::set_level(to_spdlog(verbosity));
}

void host_log_callback(void* user_data, pio_log_level level, const char* message) noexcept {
  try {
    const char* plugin = user_data != nullptr ? static_cast<const char*>(user_data) : "plugin";
    spdlog::log(to_spdlog(level), "[{}] {}", plugin, message != nullptr ? message : "(null)");
  } catch (...) {
    // Logging must never throw back into plugin code across the C boundary.
  }
}

}  // namespace pio::host
