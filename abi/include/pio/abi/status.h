/* pio/abi/status.h — status codes and the status object returned by fallible ABI entries.
 * Part of the Inference-PIO plugin ABI (plain C11; see pio/plugin_abi.h).
 *
 * A fallible entry returns `pio_status*`: NULL means success. A non-NULL status is owned by the
 * caller, who reads it with the table's status_code()/status_message() and frees it with the
 * status_release() of the SAME table (the plugin that made it). On error every out-parameter is
 * left untouched and there is nothing else to clean up.
 */
#ifndef PIO_ABI_STATUS_H
#define PIO_ABI_STATUS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque error object made by a plugin. \since 1.0 */
typedef struct pio_status pio_status;

/** Error category. A closed, append-only set with explicit values; the numbers equal
 *  pio::ErrorCode in the SDK (pio/sdk/error.h) and never change. \since 1.0 */
typedef int32_t pio_status_code;
enum {
  PIO_OK = 0,                    /**< success (never carried by a non-NULL status) */
  PIO_ERR_INVALID_ARGUMENT = 1,  /**< the caller passed something wrong (bad option, NULL, range) */
  PIO_ERR_NOT_FOUND = 2,         /**< a file, tensor, token or name does not exist */
  PIO_ERR_UNSUPPORTED = 3,       /**< valid, but not implemented by this plugin or build */
  PIO_ERR_OUT_OF_MEMORY = 4,     /**< host or device memory exhausted */
  PIO_ERR_DEVICE = 5,            /**< CUDA or other accelerator failure */
  PIO_ERR_IO = 6,                /**< reading or mapping a file failed */
  PIO_ERR_BAD_FORMAT = 7,        /**< a file exists but its contents are malformed */
  PIO_ERR_CANCELLED = 8,         /**< the host's cancellation callback asked to stop */
  PIO_ERR_ABI_MISMATCH = 9,      /**< incompatible ABI version */
  PIO_ERR_CONTEXT_OVERFLOW = 10, /**< more tokens than the session's context holds */
  PIO_ERR_INTERNAL = 11          /**< a bug: an invariant did not hold */
};

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PIO_ABI_STATUS_H */
