// Loader test plugin: a table from a newer minor (1.7) with members the host does not know
// appended after session_truncate. The host must accept it and ignore the extra bytes.
#include "bad_plugin_common.h"

namespace {
struct FutureTable {
  pio_plugin_api v1_0;
  void (*future_entry_a)(void);  // members of "v1.1 .. v1.7": never called by a v1.0 host
  void (*future_entry_b)(void);
};
}  // namespace

PIO_BAD_PLUGIN_ENTRY {
  static FutureTable table{pio::bad_plugins::toy_table(host_abi_version, host), nullptr, nullptr};
  table.v1_0.struct_size = sizeof(FutureTable);
  table.v1_0.abi_version = PIO_ABI_MAKE_VERSION(1, 7);
  return &table.v1_0;
}
