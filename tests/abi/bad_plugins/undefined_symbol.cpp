// Loader test plugin: references a variable no library defines, linked without -z defs. Its
// address is a data relocation, bound at load time even with RTLD_LAZY, so dlopen itself fails
// with "undefined symbol: pio_test_symbol_nobody_defines".
#include "pio/plugin_abi.h"

extern "C" int pio_test_symbol_nobody_defines;

extern "C" PIO_PLUGIN_EXPORT const pio_plugin_api* pio_plugin_get_api(uint32_t, const pio_host_api*) {
  // Never reached (the library cannot load); returning the address keeps the reference alive.
  return reinterpret_cast<const pio_plugin_api*>(&pio_test_symbol_nobody_defines);
}
