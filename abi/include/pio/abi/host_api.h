/* pio/abi/host_api.h — services the host hands to a plugin: logging (once, at entry) and
 * progress/cancellation (per long call). Part of the Inference-PIO plugin ABI (plain C11).
 *
 * Rationale: a plugin never links against the host binary. Everything it may call back into
 * arrives through these structs, so a plugin resolves completely at link time (-z defs).
 */
#ifndef PIO_ABI_HOST_API_H
#define PIO_ABI_HOST_API_H

#include <stdint.h>

#include "pio/abi/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Severity of a log message. \since 1.0 */
typedef int32_t pio_log_level;
enum {
  PIO_LOG_TRACE = 0,
  PIO_LOG_DEBUG = 1,
  PIO_LOG_INFO = 2,
  PIO_LOG_WARN = 3,
  PIO_LOG_ERROR = 4
};

/** Host services, passed to pio_plugin_get_api(). The host keeps the struct alive and unchanged
 *  until it unloads the library; the plugin may keep the pointer. Members added after v1.0
 *  must be checked with PIO_STRUCT_COVERS / PIO_API_HAS before use. \since 1.0 */
typedef struct pio_host_api {
  uint32_t struct_size; /**< sizeof(pio_host_api) as the host compiled it */
  uint32_t abi_version; /**< the host's PIO_ABI_VERSION */

  /** Opaque host pointer, passed back as the first argument of every callback below. */
  void* user_data;

  /** Writes one log line.
   *  \param user_data  the user_data member above.
   *  \param level      a PIO_LOG_* value.
   *  \param message    UTF-8, NUL-terminated, no trailing newline; borrowed for the call.
   *  May be NULL (the plugin then stays silent). [any-thread] \since 1.0 */
  void (*log)(void* user_data, pio_log_level level, const char* message);
  /* end of v1.0 - do not modify above */
} pio_host_api;

/** Progress reporting and cancellation for one long call (model_load, session_eval). Owned by
 *  the caller and valid for the duration of that call only; a plugin must not keep it. The
 *  plugin calls the callbacks on the calling thread or on its own worker threads, never after
 *  the call has returned. \since 1.0 */
typedef struct pio_progress {
  uint32_t struct_size; /**< sizeof(pio_progress) as the host compiled it */
  uint32_t abi_version; /**< the host's PIO_ABI_VERSION */

  /** Opaque caller pointer, passed back to the callbacks. */
  void* user_data;

  /** Reports progress.
   *  \param fraction  0.0 .. 1.0, non-decreasing within one call.
   *  \param stage     short UTF-8 description ("reading model.safetensors"); borrowed.
   *  May be NULL. [any-thread, during the call] \since 1.0 */
  void (*report)(void* user_data, float fraction, const char* stage);

  /** Polled by the plugin between units of work (a tensor, a layer, a chunk of tokens).
   *  Returns non-zero when the caller wants the call to stop; the plugin then cleans up and
   *  returns PIO_ERR_CANCELLED. May be NULL (never cancelled). [any-thread, during the call]
   *  \since 1.0 */
  int32_t (*is_cancelled)(void* user_data);
  /* end of v1.0 - do not modify above */
} pio_progress;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PIO_ABI_HOST_API_H */
