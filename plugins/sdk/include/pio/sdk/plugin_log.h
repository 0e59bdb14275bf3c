// pio/sdk/plugin_log.h — logging from plugin code through the host's log callback.
//
// The adapter stores the pio_host_api the host passed to pio_plugin_get_api(); these helpers
// format with fmt and hand the line to host->log. Before the entry was called, or when the host
// gave no log callback, they do nothing. [any-thread]
#pragma once

#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "pio/plugin_abi.h"

namespace pio::sdk {

// Sends one line at `level` (a PIO_LOG_* value) to the host. Never throws.
void log_message(pio_log_level level, std::string_view message) noexcept;

// True when the host would receive messages (a log callback was given).
bool log_enabled() noexcept;

template <typename... Args>
void log(pio_log_level level, fmt::format_string<Args...> format, Args&&... args) noexcept {
  if (!log_enabled()) return;
  try {
    log_message(level, fmt::format(format, std::forward<Args>(args)...));
  } catch (...) {
    // Formatting failed (out of memory): a lost log line must not become an error.
  }
}

template <typename... Args>
void log_debug(fmt::format_string<Args...> format, Args&&... args) noexcept {
  log(PIO_LOG_DEBUG, format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_info(fmt::format_string<Args...> format, Args&&... args) noexcept {
  log(PIO_LOG_INFO, format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> format, Args&&... args) noexcept {
  log(PIO_LOG_WARN, format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_error(fmt::format_string<Args...> format, Args&&... args) noexcept {
  log(PIO_LOG_ERROR, format, std::forward<Args>(args)...);
}

}  // namespace pio::sdk
