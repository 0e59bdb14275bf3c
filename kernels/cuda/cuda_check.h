// CUDA / cuBLAS error checks for the CUDA backend. A failed call throws tops::Error with
// TOPS_ERR_CUDA (TOPS_ERR_OUT_OF_MEMORY for allocation failures) and a message that names the
// expression, file:line, and cudaGetErrorName/String (or the cuBLAS status name); the op's
// guard (core/guard.h) turns it into a status code. Never aborts.
//
//   TOPS_CUDA_CHECK(cudaMemcpyAsync(...));
//   my_kernel<<<grid, block, 0, stream>>>(...);
//   TOPS_CUDA_CHECK_LAUNCH("my_kernel");          // cudaGetLastError after every launch
//   TOPS_CUBLAS_CHECK(cublasGemmEx(...));
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

#include "core/error.h"

namespace tops::cuda {

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* expr, const char* file, int line) {
  const tops_status code =
      err == cudaErrorMemoryAllocation ? TOPS_ERR_OUT_OF_MEMORY : TOPS_ERR_CUDA;
  fail(code, std::string(expr) + " failed at " + file + ":" + std::to_string(line) + ": " +
                 cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")");
}

inline const char* cublas_status_name(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: return "CUBLAS_STATUS_UNKNOWN";
  }
}

[[noreturn]] inline void throw_cublas_error(cublasStatus_t s, const char* expr, const char* file, int line) {
  const tops_status code = s == CUBLAS_STATUS_ALLOC_FAILED ? TOPS_ERR_OUT_OF_MEMORY : TOPS_ERR_CUDA;
  fail(code, std::string(expr) + " failed at " + file + ":" + std::to_string(line) + ": " +
                 cublas_status_name(s));
}

}  // namespace tops::cuda

#define TOPS_CUDA_CHECK(expr)                                                   \
  do {                                                                          \
    const cudaError_t tops_cuda_err_ = (expr);                                  \
    if (tops_cuda_err_ != cudaSuccess) {                                        \
      ::tops::cuda::throw_cuda_error(tops_cuda_err_, #expr, __FILE__, __LINE__); \
    }                                                                           \
  } while (0)

// After a <<<...>>> launch: reports launch-configuration errors (and earlier sticky errors).
#define TOPS_CUDA_CHECK_LAUNCH(kernel_name)                                               \
  do {                                                                                    \
    const cudaError_t tops_cuda_err_ = cudaGetLastError();                                \
    if (tops_cuda_err_ != cudaSuccess) {                                                  \
      ::tops::cuda::throw_cuda_error(tops_cuda_err_, "launch of " kernel_name, __FILE__, \
                                     __LINE__);                                           \
    }                                                                                     \
  } while (0)

#define TOPS_CUBLAS_CHECK(expr)                                                     \
  do {                                                                              \
    const cublasStatus_t tops_cublas_st_ = (expr);                                  \
    if (tops_cublas_st_ != CUBLAS_STATUS_SUCCESS) {                                 \
      ::tops::cuda::throw_cublas_error(tops_cublas_st_, #expr, __FILE__, __LINE__); \
    }                                                                               \
  } while (0)
