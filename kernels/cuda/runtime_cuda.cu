// The CUDA runtime table of libtensor_ops (core/cuda_hooks.h): context set-up (device, stream,
// cuBLAS handle with a fixed workspace), memory and copies. Registered at load time.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <string>

#include "core/cuda_hooks.h"
#include "cuda/cuda_check.h"
#include "cuda/cuda_context.h"

namespace tops::cuda {
namespace {

// cuBLAS' recommended workspace for Hopper is 32 MiB; smaller GPUs use less of it.
constexpr size_t kCublasWorkspaceBytes = size_t{32} << 20;

void context_init(tops_context& ctx, const tops_context_options& options) {
  int count = 0;
  TOPS_CUDA_CHECK(cudaGetDeviceCount(&count));
  if (options.device_index < 0 || options.device_index >= count)
    fail(TOPS_ERR_CUDA, "CUDA device " + std::to_string(options.device_index) + " does not exist (" +
                            std::to_string(count) + " device(s) visible)");
  TOPS_CUDA_CHECK(cudaSetDevice(options.device_index));
  ctx.device_index = options.device_index;
  // Ops take their temporaries from the device's default pool (cudaMallocAsync); keep freed
  // blocks in the pool instead of returning them to the driver at every synchronisation.
  cudaMemPool_t pool = nullptr;
  TOPS_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, options.device_index));
  uint64_t keep = UINT64_MAX;
  TOPS_CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep));
  auto state = std::make_unique<CudaState>();
  cudaStream_t stream = static_cast<cudaStream_t>(options.cuda_stream);
  bool owns = false;
  if (stream == nullptr) {
    TOPS_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    owns = true;
  }
  try {
    TOPS_CUBLAS_CHECK(cublasCreate(&state->cublas));
    TOPS_CUBLAS_CHECK(cublasSetStream(state->cublas, stream));
    TOPS_CUDA_CHECK(cudaMalloc(&state->cublas_workspace, kCublasWorkspaceBytes));
    state->cublas_workspace_bytes = kCublasWorkspaceBytes;
    TOPS_CUBLAS_CHECK(cublasSetWorkspace(state->cublas, state->cublas_workspace, kCublasWorkspaceBytes));
  } catch (...) {
    if (state->cublas) cublasDestroy(state->cublas);
    if (state->cublas_workspace) cudaFree(state->cublas_workspace);
    if (owns) cudaStreamDestroy(stream);
    throw;
  }
  ctx.cuda_stream = stream;
  ctx.owns_stream = owns;
  ctx.cuda_state = state.release();
}

void context_destroy(tops_context& ctx) noexcept {
  cudaSetDevice(ctx.device_index);
  if (ctx.cuda_stream) cudaStreamSynchronize(static_cast<cudaStream_t>(ctx.cuda_stream));
  auto* state = static_cast<CudaState*>(ctx.cuda_state);
  if (state) {
    if (state->cublas) cublasDestroy(state->cublas);
    if (state->cublas_workspace) cudaFree(state->cublas_workspace);
    delete state;
  }
  if (ctx.owns_stream && ctx.cuda_stream) cudaStreamDestroy(static_cast<cudaStream_t>(ctx.cuda_stream));
  ctx.cuda_state = nullptr;
  ctx.cuda_stream = nullptr;
}

void* device_malloc(tops_context& ctx, size_t bytes) {
  TOPS_CUDA_CHECK(cudaSetDevice(ctx.device_index));
  void* p = nullptr;
  TOPS_CUDA_CHECK(cudaMalloc(&p, bytes));
  return p;
}

void device_free(tops_context& ctx, void* ptr) noexcept {
  // cudaFree waits for the device, so work already enqueued that uses ptr finishes first.
  cudaSetDevice(ctx.device_index);
  cudaFree(ptr);
}

void device_memcpy(tops_context& ctx, void* dst, tops_device, const void* src, tops_device, size_t bytes) {
  // Unified addressing: cudaMemcpyDefault infers the direction from the pointers.
  cudaStream_t stream = stream_of(ctx);
  TOPS_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, stream));
  TOPS_CUDA_CHECK(cudaStreamSynchronize(stream));
}

void synchronize(tops_context& ctx) { TOPS_CUDA_CHECK(cudaStreamSynchronize(stream_of(ctx))); }

const CudaRuntime kRuntime = {context_init, context_destroy, device_malloc, device_free, device_memcpy, synchronize};

}  // namespace
}  // namespace tops::cuda

TOPS_REGISTER_CUDA_RUNTIME(tops::cuda::kRuntime);
