// CUDA argmax / top-k over rows of logits: one block per row. The order is topk_impl.h's
// ranks_before (NaN first, then larger value, then lower index), a strict total order, so top-k
// round j picks the best entry ranking after round j-1's pick: k passes, no "taken" flags.
// Fine for sampling-sized k (<= a few hundred) over vocabulary-sized rows.
#include <cuda_runtime.h>

#include "core/cuda_hooks.h"
#include "cuda/cuda_context.h"
#include "topk/topk_impl.h"

namespace tops {
namespace {

constexpr int kThreads = 512;

__device__ __forceinline__ bool before(float a, int64_t ia, float b, int64_t ib) {
  const bool na = isnan(a), nb = isnan(b);
  if (na != nb) return na;
  if (!na && a != b) return a > b;
  return ia < ib;
}

// Best (value, index) of row x among entries ranking after (pv, pi) (pi < 0: no bound).
__device__ void block_best(const float* x, int64_t n, float pv, int64_t pi, float* sv, int64_t* si, float& out_v,
                           int64_t& out_i) {
  float bv = 0.0f;
  int64_t bi = -1;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const float v = x[i];
    if (pi >= 0 && !before(pv, pi, v, i)) continue;
    if (bi < 0 || before(v, i, bv, bi)) {
      bv = v;
      bi = i;
    }
  }
  sv[threadIdx.x] = bv;
  si[threadIdx.x] = bi;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) {
      const int64_t oi = si[threadIdx.x + stride];
      const float ov = sv[threadIdx.x + stride];
      if (oi >= 0 && (si[threadIdx.x] < 0 || before(ov, oi, sv[threadIdx.x], si[threadIdx.x]))) {
        sv[threadIdx.x] = ov;
        si[threadIdx.x] = oi;
      }
    }
    __syncthreads();
  }
  out_v = sv[0];
  out_i = si[0];
  __syncthreads();
}

__global__ void __launch_bounds__(kThreads) topk_kernel(TopkArgs a) {
  __shared__ float sv[kThreads];
  __shared__ int64_t si[kThreads];
  const float* x = a.x + int64_t(blockIdx.x) * a.x_stride;
  float pv = 0.0f;
  int64_t pi = -1;
  for (int32_t j = 0; j < a.k; ++j) {
    block_best(x, a.n, pv, pi, sv, si, pv, pi);
    if (threadIdx.x == 0) {
      a.indices[int64_t(blockIdx.x) * a.k + j] = int32_t(pi);
      if (a.values) a.values[int64_t(blockIdx.x) * a.k + j] = pv;
    }
  }
}

void topk_cuda(tops_context& ctx, const TopkArgs& a) {
  if (a.rows == 0) return;
  topk_kernel<<<unsigned(a.rows), kThreads, 0, cuda::stream_of(ctx)>>>(a);
  TOPS_CUDA_CHECK_LAUNCH("topk_kernel");
}

void argmax_cuda(tops_context& ctx, const ArgmaxArgs& a) {
  TopkArgs t{};
  t.x = a.x;
  t.x_stride = a.x_stride;
  t.rows = a.rows;
  t.n = a.n;
  t.k = 1;
  t.values = nullptr;
  t.indices = a.indices;
  topk_cuda(ctx, t);
}

}  // namespace
}  // namespace tops

TOPS_REGISTER_CUDA_KERNEL(tops::ArgmaxOp, tops::argmax_cuda);
TOPS_REGISTER_CUDA_KERNEL(tops::TopkOp, tops::topk_cuda);
