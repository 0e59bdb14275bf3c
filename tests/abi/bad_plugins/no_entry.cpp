// Loader test plugin: a loadable library that exports no pio_plugin_get_api (a misspelt entry).
#include "pio/plugin_abi.h"

extern "C" PIO_PLUGIN_EXPORT const pio_plugin_api* pio_plugin_get_apj(uint32_t, const pio_host_api*) {
  return nullptr;
}
