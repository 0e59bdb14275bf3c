// Logging through the host's callback (pio/sdk/plugin_log.h). The host pointer is stored by
// the entry point (plugin_table.cpp) via set_log_host().
#include "pio/sdk/plugin_log.h"

#include <atomic>
#include <string>

#include "plugin_host.h"

namespace pio::sdk {
namespace {
std::atomic<const pio_host_api*> g_host{nullptr};
}  // namespace

namespace detail {
void set_host(const pio_host_api* host) noexcept { g_host.store(host, std::memory_order_release); }
const pio_host_api* host() noexcept { return g_host.load(std::memory_order_acquire); }
}  // namespace detail

bool log_enabled() noexcept {
  const pio_host_api* host = detail::host();
  return host != nullptr && PIO_API_HAS(host, pio_host_api, log);
}

void log_message(pio_log_level level, std::string_view message) noexcept {
  const pio_host_api* host = detail::host();
  if (host == nullptr || !PIO_API_HAS(host, pio_host_api, log)) return;
  try {
    const std::string line(message);  // the callback wants a NUL-terminated string
    host->log(host->user_data, level, line.c_str());
  } catch (...) {
    // A lost log line must not become an error.
  }
}

}  // namespace pio::sdk
