// Loader test plugin: the entry point exists but returns NULL (the plugin "cannot initialise").
#include "pio/plugin_abi.h"

extern "C" PIO_PLUGIN_EXPORT const pio_plugin_api* pio_plugin_get_api(uint32_t, const pio_host_api*) {
  return nullptr;
}
