// Loader test plugin: a working toy whose table claims ABI 2.0. The host must refuse it and name
// both versions. (Test fixture: it rewrites the SDK's table on purpose.)
#include "bad_plugin_common.h"

PIO_BAD_PLUGIN_ENTRY {
  static pio_plugin_api table = pio::bad_plugins::toy_table(host_abi_version, host);
  table.abi_version = PIO_ABI_MAKE_VERSION(2, 0);
  return &table;
}
