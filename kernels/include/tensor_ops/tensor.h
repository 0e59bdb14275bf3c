/* Tensor descriptors of libtensor_ops: a POD view (pointer, dtype, device, shape, strides) over
 * memory the caller owns. Descriptors never own or free memory; ops read and write through them.
 *
 * Conventions used by every op header:
 * - shapes are written outermost first, e.g. x [n_tokens, n_heads, head_dim];
 * - strides are in ELEMENTS (not bytes), may be any non-negative value, and most ops require
 *   only the innermost dimension to be contiguous (stride 1), so views into fused buffers
 *   (q inside a qkv projection output, a cache prefix) work without copies;
 * - an op states which dtypes it takes per argument; anything else is TOPS_ERR_DTYPE.
 */
#ifndef TENSOR_OPS_TENSOR_H
#define TENSOR_OPS_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "tensor_ops/export.h"
#include "tensor_ops/status.h"

TOPS_EXTERN_C_BEGIN

/* Element types. Explicit values, append only. (Enums are named so that C++ templates can
 * deduce the constants' type; APIs use the int32_t typedefs.) 0..15 are plain element types; 16 and up are
 * reserved for block-quantised weight formats (a later issue), whose element size is not a
 * whole number of bytes; tops_dtype_size() returns 0 for them. */
typedef int32_t tops_dtype;
enum tops_dtype_values {
  TOPS_F32 = 0,
  TOPS_F16 = 1,  /* IEEE binary16 */
  TOPS_BF16 = 2, /* bfloat16: the upper 16 bits of an f32 */
  TOPS_I32 = 3   /* token ids, positions, block tables, cu_seqlens */
};

/* Where a tensor's memory lives. */
typedef int32_t tops_device;
enum tops_device_values {
  TOPS_DEVICE_CPU = 0,
  TOPS_DEVICE_CUDA = 1
};

#define TOPS_MAX_DIMS 8

/* A strided view. Element (i0, i1, ...) lives at
 *   (char*)data + tops_dtype_size(dtype) * (i0*strides[0] + i1*strides[1] + ...).
 * Entries of shape/strides at index >= ndim are ignored. ndim 0 is a scalar (one element).
 * The struct is plain data: copy it freely; it borrows `data`. */
typedef struct tops_tensor {
  void* data;         /* first element; NULL only for tensors with 0 elements */
  tops_dtype dtype;
  tops_device device;
  int32_t ndim;       /* 0 .. TOPS_MAX_DIMS */
  int32_t reserved;   /* must be 0 (room for a device index later) */
  int64_t shape[TOPS_MAX_DIMS];
  int64_t strides[TOPS_MAX_DIMS]; /* in elements */
} tops_tensor;

/* Bytes per element: 4, 2, 2, 4 for F32, F16, BF16, I32; 0 for unknown or block formats.
 * [any-thread] */
TOPS_API size_t tops_dtype_size(tops_dtype dtype);

/* Lower-case name ("f32", "bf16", ...); "unknown" for other values. Static storage. [any-thread] */
TOPS_API const char* tops_dtype_name(tops_dtype dtype);

/* Fills *out with a row-major contiguous descriptor over `data`.
 * shape: ndim values, each >= 0. Errors: TOPS_ERR_NULL_POINTER (out, or shape with ndim > 0),
 * TOPS_ERR_INVALID_ARG (ndim outside 0..TOPS_MAX_DIMS, negative dimension),
 * TOPS_ERR_DTYPE (unknown dtype). On error *out is untouched. [any-thread] */
TOPS_API tops_status tops_tensor_init(tops_tensor* out, void* data, tops_dtype dtype,
                                      tops_device device, int32_t ndim, const int64_t* shape);

/* Number of elements (product of shape; 1 for ndim 0). [any-thread] */
TOPS_API int64_t tops_tensor_numel(const tops_tensor* t);

/* 1 if the strides are exactly row-major contiguous for the shape (dimensions of size 1 may
 * have any stride), else 0. [any-thread] */
TOPS_API int tops_tensor_is_contiguous(const tops_tensor* t);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_TENSOR_H */
