// CUDA attention (contiguous or paged KV, GQA/MQA, dk != dv, causal or cu_seqlens segments,
// optional sigmoid output gate) and KV append.
//
// FlashAttention-style single pass with online softmax: one block per (query, head); keys are
// processed in tiles of kTileKeys: 4 warps compute the tile's scores (lanes stride over dk,
// coalesced), then the running max / sum / output accumulators (threads own output columns)
// are rescaled once per tile. Simple and exact in f32; no tensor cores yet.
// A paged block id outside the pool is never dereferenced: its keys are skipped and the output
// row is set to NaN, so the error is visible without a host synchronisation (the CPU fails with
// TOPS_ERR_INVALID_ARG instead). KV append likewise skips rows whose block id is invalid.
#include <cuda_runtime.h>

#include <string>

#include "attention/attention_impl.h"
#include "core/cuda_hooks.h"
#include "cuda/cuda_context.h"
#include "cuda/device_math.cuh"

namespace tops {
namespace {

constexpr int kThreads = 128;
constexpr int kTileKeys = 128;
constexpr int kMaxColsPerThread = 4;  // dv <= kThreads * 4 = 512

// Row of token t, kv head h; nullptr when a paged block id is out of range.
__device__ __forceinline__ const float* kv_row(const KvView& v, int64_t t, int64_t h, int64_t n_blocks,
                                               int64_t table_len) {
  if (v.block_table == nullptr) return v.base + t * v.token_stride + h * v.head_stride;
  const int64_t b = t / v.block_size;
  if (b >= table_len) return nullptr;
  const int32_t id = v.block_table[b];
  if (id < 0 || id >= n_blocks) return nullptr;
  return v.base + int64_t(id) * v.block_stride + (t % v.block_size) * v.token_stride + h * v.head_stride;
}

__global__ void __launch_bounds__(kThreads) attention_kernel(AttentionArgs a) {
  extern __shared__ float smem[];
  float* qs = smem;               // [dk]
  float* p = qs + a.dk;           // [kTileKeys]
  __shared__ float red[32];
  __shared__ int bad;
  const int64_t i = blockIdx.x, h = blockIdx.y, kh = h / (a.hq / a.hkv);
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  const float* q = a.q + i * a.q_stride_t + h * a.q_stride_h;
  for (int64_t d = tid; d < a.dk; d += kThreads) qs[d] = q[d] * a.scale;
  if (tid == 0) bad = 0;
  int64_t lo, hi;
  key_range(a, i, lo, hi);
  float m = -INFINITY, l = 0.0f;
  float acc[kMaxColsPerThread] = {};
  __syncthreads();
  for (int64_t t0 = lo; t0 < hi; t0 += kTileKeys) {
    const int n = int(hi - t0 < kTileKeys ? hi - t0 : kTileKeys);
    for (int j = warp; j < n; j += kThreads / 32) {
      const float* k = kv_row(a.k, t0 + j, kh, a.n_blocks, a.table_len);
      float s = 0.0f;
      if (k != nullptr)
        for (int64_t d = lane; d < a.dk; d += 32) s += qs[d] * k[d];
      s = cuda::warp_sum(s);
      if (lane == 0) {
        p[j] = k != nullptr ? s : -INFINITY;
        if (k == nullptr) bad = 1;
      }
    }
    __syncthreads();
    float tile_max = -INFINITY;
    for (int j = tid; j < n; j += kThreads) tile_max = fmaxf(tile_max, p[j]);
    tile_max = cuda::block_max(tile_max, red);  // synchronises: p complete for everyone
    const float new_m = fmaxf(m, tile_max);
    const float corr = new_m == -INFINITY ? 1.0f : expf(m - new_m);
    float tile_sum = 0.0f;
    for (int j = tid; j < n; j += kThreads) {
      const float e = new_m == -INFINITY ? 0.0f : expf(p[j] - new_m);
      p[j] = e;
      tile_sum += e;
    }
    tile_sum = cuda::block_sum(tile_sum, red);
    l = l * corr + tile_sum;
    m = new_m;
#pragma unroll
    for (int c = 0; c < kMaxColsPerThread; ++c) {
      const int64_t d = tid + int64_t(c) * kThreads;
      if (d >= a.dv) break;
      float o = acc[c] * corr;
      for (int j = 0; j < n; ++j) {
        if (p[j] == 0.0f) continue;
        const float* v = kv_row(a.v, t0 + j, kh, a.n_blocks, a.table_len);
        if (v != nullptr) o += p[j] * v[d];
      }
      acc[c] = o;
    }
    __syncthreads();  // p is rewritten by the next tile
  }
  float* out = a.out + i * a.out_stride_t + h * a.out_stride_h;
  const float* g = a.gate ? a.gate + i * a.gate_stride_t + h * a.gate_stride_h : nullptr;
#pragma unroll
  for (int c = 0; c < kMaxColsPerThread; ++c) {
    const int64_t d = tid + int64_t(c) * kThreads;
    if (d >= a.dv) break;
    float o = bad ? NAN : acc[c] / l;
    if (g) o = o / (1.0f + expf(-g[d]));
    out[d] = o;
  }
}

__global__ void kv_append_kernel(KvAppendArgs a) {
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.n * a.heads * a.dim) return;
  const int64_t d = idx % a.dim, h = (idx / a.dim) % a.heads, j = idx / (a.dim * a.heads);
  const int64_t t = a.start + j;
  float* row;
  if (a.block_table == nullptr) {
    row = a.dst + t * a.dst_token_stride;
  } else {
    const int64_t b = t / a.block_size;
    if (b >= a.table_len) return;
    const int32_t id = a.block_table[b];
    if (id < 0 || id >= a.n_blocks) return;
    row = a.dst + int64_t(id) * a.block_stride + (t % a.block_size) * a.dst_token_stride;
  }
  row[h * a.dst_head_stride + d] = a.src[j * a.src_token_stride + h * a.src_head_stride + d];
}

void attention_cuda(tops_context& ctx, const AttentionArgs& a) {
  if (a.dv > int64_t(kThreads) * kMaxColsPerThread)
    fail(TOPS_ERR_UNSUPPORTED, "the CUDA attention kernel takes value head dims up to " +
                                   std::to_string(kThreads * kMaxColsPerThread) + ", got " + std::to_string(a.dv));
  if (a.nq == 0 || a.hq == 0) return;
  const size_t smem = sizeof(float) * size_t(a.dk + kTileKeys);
  TOPS_CUDA_CHECK(cudaFuncSetAttribute(reinterpret_cast<const void*>(attention_kernel),
                                       cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
  attention_kernel<<<dim3(unsigned(a.nq), unsigned(a.hq)), kThreads, smem, cuda::stream_of(ctx)>>>(a);
  TOPS_CUDA_CHECK_LAUNCH("attention_kernel");
}

void kv_append_cuda(tops_context& ctx, const KvAppendArgs& a) {
  const int64_t total = a.n * a.heads * a.dim;
  if (total == 0) return;
  kv_append_kernel<<<cuda::blocks_for(total, 256), 256, 0, cuda::stream_of(ctx)>>>(a);
  TOPS_CUDA_CHECK_LAUNCH("kv_append_kernel");
}

}  // namespace
}  // namespace tops

TOPS_REGISTER_CUDA_KERNEL(tops::AttentionOp, tops::attention_cuda);
TOPS_REGISTER_CUDA_KERNEL(tops::KvAppendOp, tops::kv_append_cuda);
