// CUDA backend of the MoE ops (same contracts as moe_cpu.cpp).
//
// - route: one block per token; scores in shared memory; top-k by k rounds of a block arg-max
//   (ties to the lower id, like the CPU); group scores by one thread per group.
// - dispatch: one block; shared-memory counts, a scan, then one thread per expert places its
//   pairs in ascending pair order (stable, deterministic). Also the inverse permutation.
// - ffn: dispatch into scratch, then three kernels that read only the chosen experts:
//   gate_up_swiglu (grid: output tiles x experts; a warp per output feature computes gate and up
//   rows against up to 4 of the expert's token rows at a time, writes silu(g)*u), down (same
//   shape), combine (y[t] (+)= sum_j w[t,j] out[pos[t,j]] in slot order). Blocks of experts
//   nobody chose exit after reading two offsets, so decode reads k experts' bytes.
//   Token rows are read in place through order[] (no gather copy).
#include <cuda_runtime.h>

#include <string>
#include <vector>

#include "core/cuda_hooks.h"
#include "cuda/cuda_context.h"
#include "cuda/device_math.cuh"
#include "moe/moe_impl.h"

namespace tops::moe {
namespace {

using cuda::blocks_for;
using cuda::stream_of;

constexpr int kRouteThreads = 128;
constexpr int kWarpsPerBlock = 8;  // output features per block in the expert matmuls
constexpr int kRowsPerPass = 4;    // token rows sharing one pass over a weight row

// Arg-max over values[0..n) with taken[] excluded; ties to the lower index. Block-wide.
__device__ int block_argmax(const float* values, const unsigned char* taken, int n, float* sval, int* sidx) {
  float best = -INFINITY;
  int best_i = -1;
  for (int e = threadIdx.x; e < n; e += blockDim.x) {
    if (taken[e]) continue;
    const float v = values[e];
    if (best_i < 0 || v > best) {  // e increases per thread: first max kept
      best = v;
      best_i = e;
    }
  }
  sval[threadIdx.x] = best;
  sidx[threadIdx.x] = best_i;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) {
      const float ov = sval[threadIdx.x + stride];
      const int oi = sidx[threadIdx.x + stride];
      const int mi = sidx[threadIdx.x];
      if (oi >= 0 && (mi < 0 || ov > sval[threadIdx.x] || (ov == sval[threadIdx.x] && oi < mi))) {
        sval[threadIdx.x] = ov;
        sidx[threadIdx.x] = oi;
      }
    }
    __syncthreads();
  }
  const int result = sidx[0];
  __syncthreads();
  return result;
}

__global__ void __launch_bounds__(kRouteThreads) route_kernel(RouteArgs a) {
  extern __shared__ float smem[];
  const int E = int(a.n_experts), tid = threadIdx.x;
  float* score = smem;                 // [E]
  float* choice = score + E;           // [E]
  float* gscore = choice + E;          // [n_group]
  float* sval = gscore + a.n_group;    // [blockDim]
  int* sidx = reinterpret_cast<int*>(sval + kRouteThreads);               // [blockDim]
  unsigned char* taken = reinterpret_cast<unsigned char*>(sidx + kRouteThreads);  // [E]
  __shared__ float red[32];
  const int64_t t = blockIdx.x;
  const float* row = a.logits + t * a.logits_stride;
  for (int e = tid; e < E; e += blockDim.x) taken[e] = 0;
  if (!a.sigmoid) {
    float m = -INFINITY;
    for (int e = tid; e < E; e += blockDim.x) m = fmaxf(m, row[e]);
    m = cuda::block_max(m, red);
    float sum = 0.0f;
    for (int e = tid; e < E; e += blockDim.x) {
      score[e] = expf(row[e] - m);
      sum += score[e];
    }
    sum = cuda::block_sum(sum, red);
    for (int e = tid; e < E; e += blockDim.x) {
      score[e] /= sum;
      choice[e] = score[e];
    }
  } else {
    for (int e = tid; e < E; e += blockDim.x) {
      score[e] = 1.0f / (1.0f + expf(-row[e]));
      choice[e] = score[e] + (a.bias ? a.bias[e] : 0.0f);
    }
  }
  __syncthreads();
  if (a.sigmoid && a.n_group > 1) {
    const int gs = E / a.n_group;
    for (int g = tid; g < a.n_group; g += blockDim.x) {
      float best = -INFINITY, second = -INFINITY;
      for (int i = 0; i < gs; ++i) {
        const float c = choice[g * gs + i];
        if (c > best) {
          second = best;
          best = c;
        } else if (c > second) {
          second = c;
        }
      }
      gscore[g] = best + second;
    }
    __syncthreads();
    if (tid == 0) {  // keep the topk_group best groups (ties to the lower group id)
      for (int g = 0; g < a.n_group; ++g) taken[g] = 0;
      for (int r = 0; r < a.topk_group; ++r) {
        int bi = -1;
        for (int g = 0; g < a.n_group; ++g)
          if (!taken[g] && (bi < 0 || gscore[g] > gscore[bi])) bi = g;
        taken[bi] = 1;
      }
      for (int g = 0; g < a.n_group; ++g) gscore[g] = taken[g] ? 1.0f : 0.0f;  // kept flags
      for (int g = 0; g < a.n_group; ++g) taken[g] = 0;
    }
    __syncthreads();
    for (int e = tid; e < E; e += blockDim.x)
      if (gscore[e / gs] == 0.0f) choice[e] = -INFINITY;
    __syncthreads();
  }
  float* w = a.weights + t * a.top_k;
  int32_t* ids = a.ids + t * a.top_k;
  for (int j = 0; j < a.top_k; ++j) {
    const int e = block_argmax(choice, taken, E, sval, sidx);
    if (tid == 0) {
      taken[e] = 1;
      ids[j] = e;
      w[j] = score[e];
    }
    __syncthreads();
  }
  if (tid == 0) {
    float sum = 0.0f;
    for (int j = 0; j < a.top_k; ++j) sum += w[j];
    const float denom = a.sigmoid ? sum + 1e-20f : sum;
    for (int j = 0; j < a.top_k; ++j) w[j] = (a.normalize ? w[j] / denom : w[j]) * a.scaling;
  }
}

// Stable counting sort of pairs by expert; pos[p] = row of pair p in the grouped order, or -1
// for an id out of range (skipped).
__global__ void dispatch_kernel(const int32_t* ids, int64_t n_pairs, int32_t n_experts, int32_t* offsets,
                                int32_t* order, int32_t* pos) {
  extern __shared__ int32_t counts[];  // [n_experts + 1]
  for (int e = threadIdx.x; e <= n_experts; e += blockDim.x) counts[e] = 0;
  __syncthreads();
  for (int64_t p = threadIdx.x; p < n_pairs; p += blockDim.x) {
    const int32_t e = ids[p];
    if (e >= 0 && e < n_experts) atomicAdd(&counts[e + 1], 1);
  }
  __syncthreads();
  if (threadIdx.x == 0)
    for (int e = 0; e < n_experts; ++e) counts[e + 1] += counts[e];
  __syncthreads();
  for (int e = threadIdx.x; e <= n_experts; e += blockDim.x) offsets[e] = counts[e];
  for (int e = threadIdx.x; e < n_experts; e += blockDim.x) {
    int32_t cursor = counts[e];
    for (int64_t p = 0; p < n_pairs; ++p) {
      if (ids[p] != e) continue;
      order[cursor] = int32_t(p);
      if (pos) pos[p] = cursor;
      ++cursor;
    }
  }
  if (pos)
    for (int64_t p = threadIdx.x; p < n_pairs; p += blockDim.x)
      if (ids[p] < 0 || ids[p] >= n_experts) pos[p] = -1;
}

struct Table {
  const void* const* gate;  // device arrays [E]
  const void* const* up;
  const void* const* down;
};

// act[r, i] = silu(gate_e[i]·x_r) * (up_e[i]·x_r) for the rows r of expert e = blockIdx.y.
template <class W>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    gate_up_kernel(FfnArgs a, Table tab, const int32_t* offsets, const int32_t* order, float* act) {
  const int e = blockIdx.y;
  const int r0 = offsets[e], r1 = offsets[e + 1];
  if (r0 == r1) return;
  const int64_t D = a.hidden, I = a.inter;
  const int64_t i = int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  if (i >= I) return;
  const int lane = threadIdx.x & 31;
  const W* g = static_cast<const W*>(tab.gate[e]) + i * D;
  const W* u = static_cast<const W*>(tab.up[e]) + i * D;
  for (int r = r0; r < r1; r += kRowsPerPass) {
    const int n = min(kRowsPerPass, r1 - r);
    const float* x[kRowsPerPass];
    for (int q = 0; q < kRowsPerPass; ++q) x[q] = a.x + int64_t(order[r + (q < n ? q : 0)] / a.top_k) * a.x_stride;
    float ga[kRowsPerPass] = {}, ua[kRowsPerPass] = {};
    for (int64_t d = lane; d < D; d += 32) {
      const float gw = cuda::to_float(g[d]), uw = cuda::to_float(u[d]);
#pragma unroll
      for (int q = 0; q < kRowsPerPass; ++q) {
        const float xv = x[q][d];
        ga[q] += gw * xv;
        ua[q] += uw * xv;
      }
    }
#pragma unroll
    for (int q = 0; q < kRowsPerPass; ++q) {
      const float gs = cuda::warp_sum(ga[q]), us = cuda::warp_sum(ua[q]);
      if (lane == 0 && q < n) act[int64_t(r + q) * I + i] = cuda::silu_f(gs) * us;
    }
  }
}

// out[r, d] = down_e[d]·act_r for the rows r of expert e = blockIdx.y.
template <class W>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    down_kernel(FfnArgs a, Table tab, const int32_t* offsets, const float* act, float* out) {
  const int e = blockIdx.y;
  const int r0 = offsets[e], r1 = offsets[e + 1];
  if (r0 == r1) return;
  const int64_t D = a.hidden, I = a.inter;
  const int64_t d = int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  if (d >= D) return;
  const int lane = threadIdx.x & 31;
  const W* w = static_cast<const W*>(tab.down[e]) + d * I;
  for (int r = r0; r < r1; r += kRowsPerPass) {
    const int n = min(kRowsPerPass, r1 - r);
    float acc[kRowsPerPass] = {};
    for (int64_t i = lane; i < I; i += 32) {
      const float wv = cuda::to_float(w[i]);
#pragma unroll
      for (int q = 0; q < kRowsPerPass; ++q)
        if (q < n) acc[q] += wv * act[int64_t(r + q) * I + i];
    }
#pragma unroll
    for (int q = 0; q < kRowsPerPass; ++q) {
      const float s = cuda::warp_sum(acc[q]);
      if (lane == 0 && q < n) out[int64_t(r + q) * D + d] = s;
    }
  }
}

__global__ void combine_kernel(FfnArgs a, const int32_t* pos, const float* out) {
  const int64_t D = a.hidden;
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.n_tokens * D) return;
  const int64_t t = idx / D, d = idx % D;
  float* y = a.y + t * a.y_stride + d;
  float acc = a.accumulate ? *y : 0.0f;
  for (int64_t j = 0; j < a.top_k; ++j) {
    const int32_t r = pos[t * a.top_k + j];
    if (r >= 0) acc += a.weights[t * a.top_k + j] * out[int64_t(r) * D + d];
  }
  *y = acc;
}

// ---------------------------------------------------------------- host side

void route_cuda(tops_context& ctx, const RouteArgs& a) {
  const size_t smem = sizeof(float) * size_t(2 * a.n_experts + a.n_group + kRouteThreads) +
                      sizeof(int) * kRouteThreads + size_t(a.n_experts);
  TOPS_CUDA_CHECK(cudaFuncSetAttribute(reinterpret_cast<const void*>(route_kernel),
                                       cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
  route_kernel<<<unsigned(a.n_tokens), kRouteThreads, smem, stream_of(ctx)>>>(a);
  TOPS_CUDA_CHECK_LAUNCH("route_kernel");
}

void launch_dispatch(tops_context& ctx, const int32_t* ids, int64_t n_pairs, int32_t n_experts, int32_t* offsets,
                     int32_t* order, int32_t* pos) {
  const size_t smem = sizeof(int32_t) * size_t(n_experts + 1);
  TOPS_CUDA_CHECK(cudaFuncSetAttribute(reinterpret_cast<const void*>(dispatch_kernel),
                                       cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
  dispatch_kernel<<<1, 512, smem, stream_of(ctx)>>>(ids, n_pairs, n_experts, offsets, order, pos);
  TOPS_CUDA_CHECK_LAUNCH("dispatch_kernel");
}

void dispatch_cuda(tops_context& ctx, const DispatchArgs& a) {
  launch_dispatch(ctx, a.ids, a.n_pairs, a.n_experts, a.offsets, a.order, nullptr);
}

template <class W>
void run_experts(tops_context& ctx, const FfnArgs& a, const int32_t* offsets, const int32_t* order, float* act,
                 float* out) {
  const tops_moe_experts& ex = *a.experts;
  const auto* table = static_cast<const void* const*>(ex.device_table);
  const Table tab{table, table + ex.n_experts, table + 2 * ex.n_experts};
  cudaStream_t stream = stream_of(ctx);
  gate_up_kernel<W><<<dim3(blocks_for(ex.inter, kWarpsPerBlock), unsigned(ex.n_experts)), kWarpsPerBlock * 32, 0,
                      stream>>>(a, tab, offsets, order, act);
  TOPS_CUDA_CHECK_LAUNCH("gate_up_kernel");
  down_kernel<W><<<dim3(blocks_for(ex.hidden, kWarpsPerBlock), unsigned(ex.n_experts)), kWarpsPerBlock * 32, 0,
                   stream>>>(a, tab, offsets, act, out);
  TOPS_CUDA_CHECK_LAUNCH("down_kernel");
}

void ffn_cuda(tops_context& ctx, const FfnArgs& a) {
  const tops_moe_experts& ex = *a.experts;
  const int64_t P = a.n_tokens * a.top_k, E = ex.n_experts, D = ex.hidden, I = ex.inter;
  // Scratch: offsets [E+1] | order [P] | pos [P] | act [P, I] | out [P, D].
  const size_t ints = size_t(E + 1 + 2 * P), ints_padded = (ints + 63) / 64 * 64;
  cuda::Scratch scratch(ctx, ints_padded * sizeof(int32_t) + size_t(P * (I + D)) * sizeof(float));
  int32_t* offsets = scratch.as<int32_t>();
  int32_t* order = offsets + E + 1;
  int32_t* pos = order + P;
  float* act = reinterpret_cast<float*>(offsets + ints_padded);
  float* out = act + P * I;
  launch_dispatch(ctx, a.ids, P, int32_t(E), offsets, order, pos);
  switch (ex.dtype) {
    case TOPS_BF16: run_experts<__nv_bfloat16>(ctx, a, offsets, order, act, out); break;
    case TOPS_F16: run_experts<__half>(ctx, a, offsets, order, act, out); break;
    default: run_experts<float>(ctx, a, offsets, order, act, out); break;
  }
  combine_kernel<<<blocks_for(a.n_tokens * D, 256), 256, 0, stream_of(ctx)>>>(a, pos, out);
  TOPS_CUDA_CHECK_LAUNCH("combine_kernel");
}

void upload_table(tops_context& ctx, tops_moe_experts& ex) {
  std::vector<const void*> host;
  host.reserve(size_t(3 * ex.n_experts));
  host.insert(host.end(), ex.gate.begin(), ex.gate.end());
  host.insert(host.end(), ex.up.begin(), ex.up.end());
  host.insert(host.end(), ex.down.begin(), ex.down.end());
  void* dev = nullptr;
  TOPS_CUDA_CHECK(cudaMalloc(&dev, host.size() * sizeof(void*)));
  const cudaError_t err = cudaMemcpy(dev, host.data(), host.size() * sizeof(void*), cudaMemcpyHostToDevice);
  if (err != cudaSuccess) {
    cudaFree(dev);
    TOPS_CUDA_CHECK(err);
  }
  (void)ctx;
  ex.device_table = dev;
}

void release_table(tops_moe_experts& ex) noexcept {
  if (ex.device_table) {
    cudaSetDevice(ex.device_index);
    cudaFree(ex.device_table);  // waits for the device, so kernels still using it finish first
  }
  ex.device_table = nullptr;
}

const ExpertTableOps kTableOps = {upload_table, release_table};
[[maybe_unused]] const bool kTableRegistered = (cuda_expert_table = &kTableOps, true);

}  // namespace
}  // namespace tops::moe

TOPS_REGISTER_CUDA_KERNEL(tops::moe::RouteOp, tops::moe::route_cuda);
TOPS_REGISTER_CUDA_KERNEL(tops::moe::DispatchOp, tops::moe::dispatch_cuda);
TOPS_REGISTER_CUDA_KERNEL(tops::moe::FfnOp, tops::moe::ffn_cuda);
