/* dlopen_check LIBRARY EXPECTED_NAME [MODEL_DIR]
 * Opens a plugin as a host would (dlopen + dlsym of the one entry), checks the table's ABI major
 * and name, and when MODEL_DIR is given loads it and evaluates one token. Exit 0 = pass.
 * Used by the out-of-tree plugin test before/besides the host's `pio plugins`. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pio/plugin_abi.h"

static int fail_status(const pio_plugin_api* api, pio_status* status, const char* what) {
  fprintf(stderr, "dlopen_check: %s failed: %s\n", what, api->status_message(status));
  api->status_release(status);
  return 1;
}

int main(int argc, char** argv) {
  void* handle;
  pio_plugin_get_api_fn entry;
  const pio_plugin_api* api;
  pio_host_api host;

  if (argc < 3) {
    fprintf(stderr, "usage: dlopen_check LIBRARY EXPECTED_NAME [MODEL_DIR]\n");
    return 2;
  }
  handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) {
    fprintf(stderr, "dlopen_check: %s\n", dlerror());
    return 1;
  }
  /* POSIX sanctions converting dlsym's void* to a function pointer; memcpy keeps -pedantic quiet. */
  {
    void* symbol = dlsym(handle, PIO_PLUGIN_ENTRY_SYMBOL);
    if (symbol == NULL) {
      fprintf(stderr, "dlopen_check: %s: no %s\n", argv[1], PIO_PLUGIN_ENTRY_SYMBOL);
      return 1;
    }
    memcpy(&entry, &symbol, sizeof entry);
  }
  memset(&host, 0, sizeof host);
  host.struct_size = (uint32_t)sizeof host;
  host.abi_version = PIO_ABI_VERSION;
  api = entry(PIO_ABI_VERSION, &host);
  if (api == NULL || !PIO_ABI_IS_COMPATIBLE(api->abi_version, PIO_ABI_VERSION)) {
    fprintf(stderr, "dlopen_check: %s: no table or another ABI major\n", argv[1]);
    return 1;
  }
  if (strcmp(api->plugin_name, argv[2]) != 0) {
    fprintf(stderr, "dlopen_check: plugin calls itself '%s', expected '%s'\n", api->plugin_name, argv[2]);
    return 1;
  }
  printf("dlopen_check: %s: plugin %s %s, ABI %u.%u\n", argv[1], api->plugin_name, api->plugin_version,
         (unsigned)PIO_ABI_VERSION_GET_MAJOR(api->abi_version), (unsigned)PIO_ABI_VERSION_GET_MINOR(api->abi_version));
  if (argc > 3) {
    pio_model* model = NULL;
    pio_session* session = NULL;
    pio_text* json = NULL;
    pio_status* status = api->model_load(argv[3], NULL, NULL, &model);
    float* logits;
    pio_token token = 1;
    pio_eval_args args;
    if (status != NULL) return fail_status(api, status, "model_load");
    status = api->model_describe(model, &json);
    if (status != NULL) return fail_status(api, status, "model_describe");
    printf("dlopen_check: describe: %s\n", api->text_data(json));
    api->text_release(json);
    status = api->session_create(model, NULL, &session);
    if (status != NULL) return fail_status(api, status, "session_create");
    logits = (float*)calloc(1u << 20, sizeof(float));
    memset(&args, 0, sizeof args);
    args.struct_size = (uint32_t)sizeof args;
    args.abi_version = PIO_ABI_VERSION;
    args.tokens = &token;
    args.n_tokens = 1;
    args.logits = logits;
    args.logits_capacity = 1u << 20;
    args.logits_mode = PIO_LOGITS_LAST;
    status = api->session_eval(session, &args);
    if (status != NULL) return fail_status(api, status, "session_eval");
    printf("dlopen_check: eval ok, session length %zu\n", api->session_length(session));
    free(logits);
    api->session_release(session);
    api->model_release(model);
  }
  dlclose(handle);
  return 0;
}
