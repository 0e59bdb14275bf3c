/* Execution contexts, memory and copies.
 *
 * Every op runs on a context. A CPU context owns a persistent thread pool (created once, reused
 * by every op) and the choice of SIMD path; a CUDA context owns (or borrows) a stream and the
 * cuBLAS handle. All tensors passed to an op must live on the context's device, otherwise the op
 * fails with TOPS_ERR_DEVICE_MISMATCH.
 *
 * Threading: a context is used by ONE thread at a time (like a CUDA stream); create one context
 * per session/thread. Different contexts may be used concurrently.
 *
 * Ordering: CPU ops are synchronous. CUDA ops are enqueued on the context's stream and return
 * before the GPU finishes; tops_memcpy and tops_context_synchronize wait.
 */
#ifndef TENSOR_OPS_CONTEXT_H
#define TENSOR_OPS_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "tensor_ops/export.h"
#include "tensor_ops/status.h"
#include "tensor_ops/tensor.h"

TOPS_EXTERN_C_BEGIN

typedef struct tops_context tops_context; /* opaque */

/* Which implementation a CPU context runs. AUTO picks the best full-f32 path the CPU supports
 * (CPUID): AVX512, else AVX2, else SCALAR. AVX512_BF16 (faster bf16-weight matmuls, activations
 * rounded to bf16, see matmul.h) is used only when requested explicitly. The others force a path, which tests use to check every path on one machine. Ops that have no
 * specialised code for a path run the next lower one (an op without AVX-512 code runs its AVX2
 * or scalar code). REFERENCE runs the naive, single-threaded double-precision reference
 * implementations (slow; for tests and debugging).
 * The environment variable TOPS_CPU_PATH (reference|scalar|avx2|avx512|avx512_bf16) overrides
 * AUTO (not an explicit choice). */
typedef int32_t tops_cpu_path;
enum tops_cpu_path_values {
  TOPS_CPU_PATH_AUTO = 0,
  TOPS_CPU_PATH_REFERENCE = 1,
  TOPS_CPU_PATH_SCALAR = 2,
  TOPS_CPU_PATH_AVX2 = 3,       /* AVX2 + FMA + F16C */
  TOPS_CPU_PATH_AVX512 = 4,     /* AVX-512 F/BW/VL/DQ */
  TOPS_CPU_PATH_AVX512_BF16 = 5 /* AVX-512 + AVX512_BF16 (vdpbf16ps); see matmul.h for precision */
};

/* Options for tops_context_create. Always initialise with tops_context_options_init first
 * (struct_size lets later versions append fields). */
typedef struct tops_context_options {
  uint32_t struct_size;    /* sizeof(tops_context_options), set by _init */
  tops_device device;      /* TOPS_DEVICE_CPU (default) or TOPS_DEVICE_CUDA */
  int32_t num_threads;     /* CPU: worker threads incl. the caller; 0 = number of cores
                              (env TOPS_NUM_THREADS overrides 0) */
  tops_cpu_path cpu_path;  /* CPU: forced path or AUTO */
  int32_t device_index;    /* CUDA: device ordinal (default 0) */
  void* cuda_stream;       /* CUDA: a cudaStream_t to borrow (not destroyed by the context);
                              NULL = the context creates and owns a non-blocking stream */
} tops_context_options;

/* Sets defaults: CPU, num_threads 0, AUTO path, device 0, own stream. [any-thread] */
TOPS_API void tops_context_options_init(tops_context_options* options);

/* Creates a context. options may be NULL (= defaults). On success *out receives a context owned
 * by the caller (release with tops_context_release).
 * Errors: TOPS_ERR_NULL_POINTER (out); TOPS_ERR_INVALID_ARG (num_threads < 0, unknown path or
 * device); TOPS_ERR_UNSUPPORTED (forced CPU path the CPU lacks; CUDA requested but the library
 * was built without CUDA); TOPS_ERR_CUDA (no such device, stream creation failed).
 * [any-thread] */
TOPS_API tops_status tops_context_create(const tops_context_options* options, tops_context** out);

/* Destroys a context: joins the CPU threads, synchronises and releases the CUDA stream (if owned)
 * and handles. Accepts NULL. Must not run concurrently with an op on the same context. */
TOPS_API void tops_context_release(tops_context* ctx);

/* The context's device. [any-thread] */
TOPS_API tops_device tops_context_device(const tops_context* ctx);

/* CPU: number of threads ops use (incl. the calling thread); CUDA: 1. [any-thread] */
TOPS_API int32_t tops_context_num_threads(const tops_context* ctx);

/* CPU: the resolved path (never AUTO); CUDA: TOPS_CPU_PATH_AUTO. [any-thread] */
TOPS_API tops_cpu_path tops_context_cpu_path(const tops_context* ctx);

/* CUDA: the cudaStream_t ops are enqueued on; CPU: NULL. [any-thread] */
TOPS_API void* tops_context_cuda_stream(const tops_context* ctx);

/* Waits until all work enqueued on the context has finished (no-op on CPU). Errors: TOPS_ERR_CUDA. */
TOPS_API tops_status tops_context_synchronize(tops_context* ctx);

/* The path AUTO resolves to on this CPU (from CPUID; never AVX512_BF16). [any-thread] */
TOPS_API tops_cpu_path tops_cpu_best_path(void);

/* 1 if this CPU can run `path` (REFERENCE and SCALAR: always), else 0. [any-thread] */
TOPS_API int tops_cpu_path_supported(tops_cpu_path path);

/* "auto", "reference", "scalar", "avx2", "avx512", "avx512_bf16"; "unknown" otherwise. */
TOPS_API const char* tops_cpu_path_name(tops_cpu_path path);

/* Allocates `bytes` on the context's device, aligned to 64 bytes (CPU) / 256 bytes (CUDA).
 * bytes == 0 gives *out = NULL and TOPS_OK. The memory is uninitialised and owned by the caller:
 * free it with tops_free on a context of the same device.
 * Errors: TOPS_ERR_NULL_POINTER, TOPS_ERR_OUT_OF_MEMORY, TOPS_ERR_CUDA. */
TOPS_API tops_status tops_malloc(tops_context* ctx, size_t bytes, void** out);

/* Frees memory from tops_malloc on a context of the same device. Accepts NULL. CUDA: ordered
 * after work already enqueued on the stream. */
TOPS_API void tops_free(tops_context* ctx, void* ptr);

/* Copies `bytes` between host and device memory (any direction, incl. host->host and
 * device->device), ordered after work enqueued on the context's stream; returns when the copy is
 * complete. A CPU context can only copy host->host.
 * Errors: TOPS_ERR_NULL_POINTER (NULL pointer with bytes > 0), TOPS_ERR_UNSUPPORTED (device
 * copy on a CPU context), TOPS_ERR_CUDA. */
TOPS_API tops_status tops_memcpy(tops_context* ctx, void* dst, tops_device dst_device, const void* src,
                                 tops_device src_device, size_t bytes);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_CONTEXT_H */
