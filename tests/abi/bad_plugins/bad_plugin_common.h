// Shared by the loader's negative-test plugins that need a working table to mangle: the toy
// model's SDK table, fetched through the adapter, copied so a test can rewrite its header.
// Real plugins use PIO_PLUGIN (pio/sdk/plugin.h) and never write extern "C".
#pragma once

#include <cstddef>

#include "../toy_plugin/toy_model.h"
#include "pio/sdk/plugin.h"

namespace pio::bad_plugins {

inline std::unique_ptr<sdk::Model> load_toy(const std::filesystem::path& dir, const sdk::LoadOptions& options,
                                            const sdk::Progress& progress) {
  return toy::load_toy_model(dir, options, progress, 0.0f);
}

inline pio_plugin_api toy_table(uint32_t host_abi_version, const pio_host_api* host) {
  static const sdk::PluginDefinition definition{PIO_BAD_PLUGIN_NAME, "0.0.1", &load_toy};
  return *sdk::detail::plugin_entry(host_abi_version, host, definition);
}

}  // namespace pio::bad_plugins

#define PIO_BAD_PLUGIN_ENTRY                                                                    \
  extern "C" PIO_PLUGIN_EXPORT const pio_plugin_api* pio_plugin_get_api(uint32_t host_abi_version, \
                                                                         const pio_host_api* host)
