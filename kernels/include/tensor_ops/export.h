/* Symbol visibility for libtensor_ops: only functions marked TOPS_API are exported (the library
 * is built with -fvisibility=hidden), so internal C++ helpers never become part of the ABI. */
#ifndef TENSOR_OPS_EXPORT_H
#define TENSOR_OPS_EXPORT_H

#if defined(_WIN32)
#define TOPS_API
#else
#define TOPS_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
#define TOPS_EXTERN_C_BEGIN extern "C" {
#define TOPS_EXTERN_C_END }
#else
#define TOPS_EXTERN_C_BEGIN
#define TOPS_EXTERN_C_END
#endif

#endif /* TENSOR_OPS_EXPORT_H */
