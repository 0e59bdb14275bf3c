// Context creation, memory and copies (context.h). CPU work is done here; CUDA requests go through
// the runtime table the CUDA backend registers (core/cuda_hooks.h).
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <thread>

#include "core/context_impl.h"
#include "core/cpu_features.h"
#include "core/cuda_hooks.h"
#include "core/guard.h"
#include "tensor_ops/context.h"

namespace {

constexpr size_t kCpuAlignment = 64;  // one cache line; also the AVX-512 vector width

const tops::CudaRuntime& require_cuda_runtime() {
  if (tops::cuda_runtime == nullptr)
    tops::fail(TOPS_ERR_UNSUPPORTED, "libtensor_ops was built without the CUDA backend");
  return *tops::cuda_runtime;
}

int default_thread_count() {
  if (const char* env = std::getenv("TOPS_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

void require_ctx(const tops_context* ctx) {
  if (ctx == nullptr) tops::fail(TOPS_ERR_NULL_POINTER, "context is NULL");
}

}  // namespace

extern "C" {

TOPS_API void tops_context_options_init(tops_context_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(tops_context_options);
  options->device = TOPS_DEVICE_CPU;
  options->num_threads = 0;
  options->cpu_path = TOPS_CPU_PATH_AUTO;
  options->device_index = 0;
  options->cuda_stream = nullptr;
}

TOPS_API tops_status tops_context_create(const tops_context_options* options, tops_context** out) {
  return tops::guard("tops_context_create", [&] {
    if (out == nullptr) tops::fail(TOPS_ERR_NULL_POINTER, "out is NULL");
    tops_context_options opts;
    tops_context_options_init(&opts);
    if (options != nullptr) {
      // Copy only the fields the caller's struct version has (struct_size), keep defaults otherwise.
      const size_t n = options->struct_size < sizeof(opts) ? options->struct_size : sizeof(opts);
      if (n < sizeof(uint32_t)) tops::fail(TOPS_ERR_INVALID_ARG, "options->struct_size is 0; call tops_context_options_init");
      std::memcpy(&opts, options, n);
      opts.struct_size = sizeof(opts);
    }
    auto ctx = std::make_unique<tops_context>();
    ctx->device = opts.device;
    if (opts.device == TOPS_DEVICE_CPU) {
      if (opts.num_threads < 0)
        tops::fail(TOPS_ERR_INVALID_ARG, "num_threads is " + std::to_string(opts.num_threads) + " (must be >= 0)");
      tops_cpu_path path = opts.cpu_path;
      if (path == TOPS_CPU_PATH_AUTO) {
        path = tops::cpu_path_from_name(std::getenv("TOPS_CPU_PATH"));
        if (path == TOPS_CPU_PATH_AUTO || !tops::cpu_path_supported(path)) path = tops::cpu_best_path();
      } else if (path < TOPS_CPU_PATH_REFERENCE || path > TOPS_CPU_PATH_AVX512_BF16) {
        tops::fail(TOPS_ERR_INVALID_ARG, "unknown cpu_path " + std::to_string(path));
      } else if (!tops::cpu_path_supported(path)) {
        tops::fail(TOPS_ERR_UNSUPPORTED, std::string("this CPU cannot run the ") + tops_cpu_path_name(path) + " path");
      }
      ctx->cpu_path = path;
      ctx->pool = std::make_unique<tops::ThreadPool>(opts.num_threads == 0 ? default_thread_count() : opts.num_threads);
    } else if (opts.device == TOPS_DEVICE_CUDA) {
      require_cuda_runtime().context_init(*ctx, opts);
    } else {
      tops::fail(TOPS_ERR_INVALID_ARG, "unknown device " + std::to_string(opts.device));
    }
    *out = ctx.release();
  });
}

TOPS_API void tops_context_release(tops_context* ctx) {
  if (ctx == nullptr) return;
  if (ctx->device == TOPS_DEVICE_CUDA && tops::cuda_runtime != nullptr) tops::cuda_runtime->context_destroy(*ctx);
  delete ctx;
}

TOPS_API tops_device tops_context_device(const tops_context* ctx) { return ctx ? ctx->device : TOPS_DEVICE_CPU; }

TOPS_API int32_t tops_context_num_threads(const tops_context* ctx) {
  return (ctx && ctx->pool) ? ctx->pool->size() : 1;
}

TOPS_API tops_cpu_path tops_context_cpu_path(const tops_context* ctx) {
  return (ctx && ctx->device == TOPS_DEVICE_CPU) ? ctx->cpu_path : TOPS_CPU_PATH_AUTO;
}

TOPS_API void* tops_context_cuda_stream(const tops_context* ctx) { return ctx ? ctx->cuda_stream : nullptr; }

TOPS_API tops_status tops_context_synchronize(tops_context* ctx) {
  return tops::guard("tops_context_synchronize", [&] {
    require_ctx(ctx);
    if (ctx->device == TOPS_DEVICE_CUDA) require_cuda_runtime().synchronize(*ctx);
  });
}

TOPS_API tops_cpu_path tops_cpu_best_path(void) { return tops::cpu_best_path(); }

TOPS_API int tops_cpu_path_supported(tops_cpu_path path) { return tops::cpu_path_supported(path) ? 1 : 0; }

TOPS_API const char* tops_cpu_path_name(tops_cpu_path path) {
  switch (path) {
    case TOPS_CPU_PATH_AUTO: return "auto";
    case TOPS_CPU_PATH_REFERENCE: return "reference";
    case TOPS_CPU_PATH_SCALAR: return "scalar";
    case TOPS_CPU_PATH_AVX2: return "avx2";
    case TOPS_CPU_PATH_AVX512: return "avx512";
    case TOPS_CPU_PATH_AVX512_BF16: return "avx512_bf16";
    default: return "unknown";
  }
}

TOPS_API tops_status tops_malloc(tops_context* ctx, size_t bytes, void** out) {
  return tops::guard("tops_malloc", [&] {
    require_ctx(ctx);
    if (out == nullptr) tops::fail(TOPS_ERR_NULL_POINTER, "out is NULL");
    if (bytes == 0) {
      *out = nullptr;
      return;
    }
    if (ctx->device == TOPS_DEVICE_CUDA) {
      *out = require_cuda_runtime().malloc(*ctx, bytes);
      return;
    }
    const size_t rounded = (bytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
    void* p = std::aligned_alloc(kCpuAlignment, rounded);
    if (p == nullptr) tops::fail(TOPS_ERR_OUT_OF_MEMORY, "cannot allocate " + std::to_string(bytes) + " bytes of host memory");
    *out = p;
  });
}

TOPS_API void tops_free(tops_context* ctx, void* ptr) {
  if (ptr == nullptr || ctx == nullptr) return;
  if (ctx->device == TOPS_DEVICE_CUDA) {
    if (tops::cuda_runtime != nullptr) tops::cuda_runtime->free(*ctx, ptr);
    return;
  }
  std::free(ptr);
}

TOPS_API tops_status tops_memcpy(tops_context* ctx, void* dst, tops_device dst_device, const void* src,
                                 tops_device src_device, size_t bytes) {
  return tops::guard("tops_memcpy", [&] {
    require_ctx(ctx);
    if (bytes == 0) return;
    if (dst == nullptr || src == nullptr) tops::fail(TOPS_ERR_NULL_POINTER, dst == nullptr ? "dst is NULL" : "src is NULL");
    for (tops_device d : {dst_device, src_device})
      if (d != TOPS_DEVICE_CPU && d != TOPS_DEVICE_CUDA) tops::fail(TOPS_ERR_INVALID_ARG, "unknown device " + std::to_string(d));
    if (ctx->device == TOPS_DEVICE_CUDA) {
      require_cuda_runtime().memcpy(*ctx, dst, dst_device, src, src_device, bytes);
      return;
    }
    if (dst_device != TOPS_DEVICE_CPU || src_device != TOPS_DEVICE_CPU)
      tops::fail(TOPS_ERR_UNSUPPORTED, "a CPU context copies host memory only; use a CUDA context for device copies");
    std::memmove(dst, src, bytes);
  });
}

}  // extern "C"
