// CUDA embedding lookup: one block per token widens its table row to f32. An id outside the
// table writes a zero row and raises a device flag that the host reads back (one small
// synchronous copy), so the call fails with TOPS_ERR_INVALID_ARG as on the CPU; unlike the CPU,
// the other rows have been written by then.
#include <cuda_runtime.h>

#include <string>

#include "core/cuda_hooks.h"
#include "cuda/cuda_context.h"
#include "cuda/device_math.cuh"
#include "embedding/embedding_impl.h"

namespace tops {
namespace {

__global__ void embedding_kernel(const void* table, tops_dtype dtype, int64_t row_stride, int64_t vocab, int64_t d,
                                 const int32_t* ids, float* out, int64_t out_stride, int32_t* bad) {
  const int64_t t = blockIdx.x;
  const int32_t id = ids[t];
  float* o = out + t * out_stride;
  const bool ok = id >= 0 && id < vocab;
  if (!ok && threadIdx.x == 0) atomicMin(bad, int32_t(t));
  for (int64_t i = threadIdx.x; i < d; i += blockDim.x)
    o[i] = ok ? cuda::load_as_float(table, dtype, int64_t(id) * row_stride + i) : 0.0f;
}

void embedding_cuda(tops_context& ctx, const EmbeddingArgs& a) {
  const int64_t n = a.ids.shape[0], vocab = a.table.shape[0], d = a.table.shape[1];
  if (n == 0) return;
  const int64_t row_stride = vocab > 1 ? a.table.strides[0] : d;
  cudaStream_t stream = cuda::stream_of(ctx);
  cuda::Scratch flag(ctx, sizeof(int32_t));
  const int32_t none = INT32_MAX;
  TOPS_CUDA_CHECK(cudaMemcpyAsync(flag.as<int32_t>(), &none, sizeof none, cudaMemcpyHostToDevice, stream));
  embedding_kernel<<<unsigned(n), 256, 0, stream>>>(a.table.data, a.table.dtype, row_stride, vocab, d,
                                                    static_cast<const int32_t*>(a.ids.data),
                                                    static_cast<float*>(a.out.data), a.out.strides[0],
                                                    flag.as<int32_t>());
  TOPS_CUDA_CHECK_LAUNCH("embedding_kernel");
  int32_t bad = none;
  TOPS_CUDA_CHECK(cudaMemcpyAsync(&bad, flag.as<int32_t>(), sizeof bad, cudaMemcpyDeviceToHost, stream));
  TOPS_CUDA_CHECK(cudaStreamSynchronize(stream));
  if (bad != none)
    fail(TOPS_ERR_INVALID_ARG, "ids[" + std::to_string(bad) + "] is outside the table's " + std::to_string(vocab) +
                                   " rows (CUDA: other rows were written)");
}

}  // namespace
}  // namespace tops

TOPS_REGISTER_CUDA_KERNEL(tops::EmbeddingOp, tops::embedding_cuda);
