// Backend-private state of a CUDA context (tops_context::cuda_state) and helpers every .cu file
// uses: the stream, the cuBLAS handle, stream-ordered scratch memory, launch-size helpers.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "core/context_impl.h"
#include "cuda/cuda_check.h"

namespace tops::cuda {

struct CudaState {
  cublasHandle_t cublas = nullptr;
  void* cublas_workspace = nullptr;  // handed to cuBLAS so it never allocates mid-stream
  size_t cublas_workspace_bytes = 0;
};

inline cudaStream_t stream_of(const tops_context& ctx) { return static_cast<cudaStream_t>(ctx.cuda_stream); }
inline CudaState& state_of(const tops_context& ctx) { return *static_cast<CudaState*>(ctx.cuda_state); }

// Stream-ordered scratch buffer (cudaMallocAsync / cudaFreeAsync on the context's stream): freed
// when it goes out of scope, after the work enqueued before then.
class Scratch {
 public:
  Scratch(const tops_context& ctx, size_t bytes) : stream_(stream_of(ctx)) {
    if (bytes > 0) TOPS_CUDA_CHECK(cudaMallocAsync(&ptr_, bytes, stream_));
  }
  ~Scratch() {
    if (ptr_ != nullptr) cudaFreeAsync(ptr_, stream_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }

 private:
  cudaStream_t stream_;
  void* ptr_ = nullptr;
};

inline unsigned blocks_for(int64_t n, int threads) {
  return static_cast<unsigned>((n + threads - 1) / threads);
}

}  // namespace tops::cuda
