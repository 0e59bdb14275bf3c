// Private to the adapter: where the host services given to pio_plugin_get_api are kept.
#pragma once

#include "pio/plugin_abi.h"

namespace pio::sdk::detail {

// Stores the host pointer (may be NULL). [any-thread]
void set_host(const pio_host_api* host) noexcept;
// The stored host pointer, or NULL. [any-thread]
const pio_host_api* host() noexcept;

}  // namespace pio::sdk::detail
