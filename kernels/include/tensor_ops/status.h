/* Status codes of libtensor_ops.
 *
 * Every fallible function returns a tops_status: TOPS_OK (0) on success, otherwise one of the
 * codes below, and the human-readable reason is available from tops_last_error_message() on the
 * same thread. On failure, outputs may have been partially written for in-place ops only when
 * the failure is a device (CUDA) error; validation failures (null pointer, shape, dtype, device)
 * are detected before anything is written.
 *
 * Rationale: a plain integer plus a thread-local message keeps every op signature short and
 * costs nothing on the success path (kernels are called thousands of times per token). Codes
 * 1..11 have the same numbers as pio::ErrorCode / pio_status_code so a plugin can pass them
 * through; codes >= 20 are kernel-specific refinements of "invalid argument".
 */
#ifndef TENSOR_OPS_STATUS_H
#define TENSOR_OPS_STATUS_H

#include <stdint.h>

#include "tensor_ops/export.h"

TOPS_EXTERN_C_BEGIN

typedef int32_t tops_status;

/* Closed, append-only set; values never change. */
enum tops_status_values {
  TOPS_OK = 0,
  TOPS_ERR_INVALID_ARG = 1,      /* a scalar parameter is out of range (k > n, eps < 0, id >= vocab) */
  TOPS_ERR_NOT_FOUND = 2,        /* reserved (same number as pio::ErrorCode::kNotFound) */
  TOPS_ERR_UNSUPPORTED = 3,      /* valid request this build/device cannot serve: no CUDA backend,
                                    CPU path missing on this CPU, a layout the op does not take */
  TOPS_ERR_OUT_OF_MEMORY = 4,    /* host or device allocation failed */
  TOPS_ERR_CUDA = 5,             /* a CUDA / cuBLAS call failed */
  TOPS_ERR_INTERNAL = 11,        /* a bug in libtensor_ops: an invariant did not hold */
  TOPS_ERR_NULL_POINTER = 20,    /* a required tensor, data pointer, context or out-param is NULL */
  TOPS_ERR_SHAPE_MISMATCH = 21,  /* ndim or a dimension does not agree with the op's contract */
  TOPS_ERR_DTYPE = 22,           /* a tensor has a dtype the op does not take */
  TOPS_ERR_DEVICE_MISMATCH = 23  /* a tensor lives on a different device than the context */
};

/* Short constant name of a status code ("TOPS_ERR_SHAPE_MISMATCH"); "TOPS_ERR_UNKNOWN" for
 * values outside the set. Never NULL; static storage. [any-thread] */
TOPS_API const char* tops_status_name(tops_status status);

/* Message of the most recent failed libtensor_ops call on the calling thread, naming the op,
 * the tensor and the problem, e.g.
 *   "tops_rmsnorm: weight has 64 elements but x's last dimension is 128".
 * Returns "" if no call has failed on this thread. The pointer is owned by the library and
 * stays valid until the next failing call on the same thread. [any-thread] */
TOPS_API const char* tops_last_error_message(void);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_STATUS_H */
