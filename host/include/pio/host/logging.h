// Host logging: one spdlog logger writing to stderr, and the log callback handed to plugins.
//
// Host code logs with the spdlog free functions (spdlog::info(...)); they go to the default
// logger, which init_logging() points at stderr. Plugins log through pio_host_api::log, which
// forwards to the same logger prefixed with the plugin's name.
#pragma once

#include <string>

#include "pio/plugin_abi.h"

namespace pio::host {

// How chatty the host is. Maps to spdlog levels: kQuiet = errors only, kNormal = info and up,
// kVerbose = debug, kTrace = everything (including plugins' PIO_LOG_TRACE).
enum class Verbosity { kQuiet, kNormal, kVerbose, kTrace };

// Installs the stderr logger as spdlog's default and sets its level. Call once at start-up (main,
// test setup); calling again only changes the level. Thread-safety: call before other threads log.
void init_logging(Verbosity verbosity);

// The pio_host_api::log implementation. `user_data` must point to a NUL-terminated plugin name
// (or be NULL); `message` is copied. Never throws. [any-thread]
void host_log_callback(void* user_data, pio_log_level level, const char* message) noexcept;

}  // namespace pio::host
