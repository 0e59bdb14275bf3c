// Loader test plugin: a working toy table under the name PIO_BAD_PLUGIN_NAME, for manifest cases
// (a manifest with unknown keys, a manifest claiming another ABI major).
#include "bad_plugin_common.h"

PIO_BAD_PLUGIN_ENTRY {
  static const pio_plugin_api table = pio::bad_plugins::toy_table(host_abi_version, host);
  return &table;
}
