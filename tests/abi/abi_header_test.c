/* Compiles pio/plugin_abi.h as C11 with -Wall -Wextra -Werror -pedantic, and checks the version
 * and struct-size helpers at run time (exit status 0 = pass). */
#include <stdio.h>
#include <string.h>

#include "pio/plugin_abi.h"

static int failures = 0;

#define CHECK(condition)                                              \
  do {                                                                \
    if (!(condition)) {                                               \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #condition); \
      ++failures;                                                     \
    }                                                                 \
  } while (0)

static void noop_log(void* user_data, pio_log_level level, const char* message) {
  (void)user_data;
  (void)level;
  (void)message;
}

int main(void) {
  pio_host_api host;
  pio_plugin_api table;

  CHECK(PIO_ABI_VERSION == 0x00010000u);
  CHECK(PIO_ABI_VERSION_GET_MAJOR(PIO_ABI_MAKE_VERSION(3, 17)) == 3);
  CHECK(PIO_ABI_VERSION_GET_MINOR(PIO_ABI_MAKE_VERSION(3, 17)) == 17);
  CHECK(PIO_ABI_IS_COMPATIBLE(PIO_ABI_MAKE_VERSION(1, 0), PIO_ABI_MAKE_VERSION(1, 9)));
  CHECK(!PIO_ABI_IS_COMPATIBLE(PIO_ABI_MAKE_VERSION(1, 0), PIO_ABI_MAKE_VERSION(2, 0)));
  CHECK(strcmp(PIO_PLUGIN_ENTRY_SYMBOL, "pio_plugin_get_api") == 0);

  memset(&host, 0, sizeof host);
  host.struct_size = (uint32_t)sizeof host;
  host.abi_version = PIO_ABI_VERSION;
  host.log = noop_log;
  CHECK(PIO_API_HAS(&host, pio_host_api, log));
  host.struct_size = (uint32_t)offsetof(pio_host_api, log); /* an older, shorter host struct */
  CHECK(!PIO_STRUCT_COVERS(&host, pio_host_api, log));
  CHECK(!PIO_API_HAS(&host, pio_host_api, log));

  memset(&table, 0, sizeof table);
  table.struct_size = (uint32_t)sizeof table;
  CHECK(PIO_STRUCT_COVERS(&table, pio_plugin_api, session_truncate));
  CHECK(!PIO_API_HAS(&table, pio_plugin_api, session_truncate)); /* covered but NULL */
  table.struct_size = (uint32_t)offsetof(pio_plugin_api, session_truncate);
  CHECK(PIO_STRUCT_COVERS(&table, pio_plugin_api, session_length));
  CHECK(!PIO_STRUCT_COVERS(&table, pio_plugin_api, session_truncate));

  CHECK(PIO_ERR_INTERNAL == 11 && PIO_ERR_CONTEXT_OVERFLOW == 10 && PIO_ERR_INVALID_ARGUMENT == 1);
  CHECK(PIO_LOGITS_NONE == 0 && PIO_LOGITS_LAST == 1 && PIO_LOGITS_ALL == 2);

  if (failures == 0) printf("pio/plugin_abi.h: C11 checks passed\n");
  return failures == 0 ? 0 : 1;
}
