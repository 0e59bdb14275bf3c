// Loader test plugin: a table as an older minor would publish it — struct_size ends before
// session_truncate. The host must accept it, read only the covered members, and treat
// session_truncate as missing (unsupported).
#include "bad_plugin_common.h"

PIO_BAD_PLUGIN_ENTRY {
  static pio_plugin_api table = pio::bad_plugins::toy_table(host_abi_version, host);
  table.struct_size = static_cast<uint32_t>(offsetof(pio_plugin_api, session_truncate));
  return &table;
}
