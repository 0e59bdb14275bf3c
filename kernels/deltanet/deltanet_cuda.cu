// CUDA backend of the Gated DeltaNet ops (same contracts as deltanet_cpu.cpp).
//
// Delta rule, recurrent form (decode, short T): one block per (value head, tile of 32 state
// columns); the [dk, 32] state tile lives in shared memory for all T steps; 8 warps split the dk
// rows and reduce through shared memory.
// Chunked form (prefill): two kernels.
//   1. prepare, one block per (chunk, head), all chunks in parallel: normalise q/k, cumulative
//      log-decay, the strictly lower system L and the intra-chunk scores A, then forward
//      substitution for U = (I+L)^-1 diag(beta) V and W = (I+L)^-1 diag(beta e^gam) K; also the
//      decayed Q e^gam and K e^(gam_last - gam). Written to stream-ordered scratch.
//   2. scan, one block per (head, 32-column tile), chunks in order with the state tile in shared
//      memory: v_new = U - W S, O = (Q e^gam) S + A v_new, S = e^gam_last S + Kdᵀ v_new.
// dk <= 256 (shared-memory budget); the API layer's larger sizes get TOPS_ERR_UNSUPPORTED.
#include <cuda_runtime.h>

#include <string>

#include "core/cuda_hooks.h"
#include "cuda/cuda_context.h"
#include "cuda/device_math.cuh"
#include "deltanet/deltanet_impl.h"

namespace tops::deltanet {
namespace {

using cuda::blocks_for;
using cuda::stream_of;

constexpr int kThreads = 256;
constexpr int kTile = 32;             // state columns per block
constexpr int kRowGroups = kThreads / kTile;
constexpr int64_t kMaxKeyDim = 256;

// ---------------------------------------------------------------- conv1d, l2norm, gates

__global__ void conv1d_kernel(Conv1dArgs a) {
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.n_tokens * a.channels) return;
  const int64_t t = idx / a.channels, c = idx % a.channels, K = a.kernel, past = K - 1;
  float acc = 0.0f;
  for (int64_t j = 0; j < K; ++j) {
    const int64_t p = t + j;  // window position; < past reads the carried state
    const float u = p >= past ? a.x[(p - past) * a.x_stride + c] : (a.state ? a.state[c * past + p] : 0.0f);
    acc += cuda::load_as_float(a.weight, a.weight_dtype, c * K + j) * u;
  }
  a.y[t * a.y_stride + c] = a.silu ? cuda::silu_f(acc) : acc;
}

// New state = the last K-1 window entries; one thread per channel shifts in order (reads index
// T + j before index j is overwritten).
__global__ void conv1d_state_kernel(Conv1dArgs a) {
  const int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= a.channels) return;
  const int64_t past = a.kernel - 1;
  for (int64_t j = 0; j < past; ++j) {
    const int64_t p = a.n_tokens + j;
    a.state[c * past + j] = p >= past ? a.x[(p - past) * a.x_stride + c] : a.state[c * past + p];
  }
}

__global__ void l2norm_kernel(L2NormArgs a) {
  const int64_t row = int64_t(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
  const int lane = threadIdx.x & 31;
  if (row >= a.rows) return;
  const float* x = a.x + row * a.x_stride;
  float* y = a.y + row * a.y_stride;
  float s = 0.0f;
  for (int64_t d = lane; d < a.dim; d += 32) s += x[d] * x[d];
  const float inv = 1.0f / sqrtf(cuda::warp_sum(s) + a.eps);
  for (int64_t d = lane; d < a.dim; d += 32) y[d] = x[d] * inv;
}

__global__ void gates_kernel(GatesArgs a) {
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.n_tokens * a.v_heads) return;
  const int64_t t = idx / a.v_heads, h = idx % a.v_heads;
  const float z = a.a[t * a.a_stride + h] + cuda::load_as_float(a.dt_bias, a.dt_bias_dtype, h);
  const float softplus = z > 20.0f ? z : log1pf(expf(z));
  a.g[t * a.g_stride + h] = -expf(cuda::load_as_float(a.a_log, a.a_log_dtype, h)) * softplus;
  a.beta[t * a.beta_stride + h] = 1.0f / (1.0f + expf(-a.b[t * a.b_stride + h]));
}

// ---------------------------------------------------------------- recurrent delta rule

__global__ void __launch_bounds__(kThreads) delta_recurrent_kernel(DeltaRuleArgs a) {
  extern __shared__ float smem[];
  const int dk = int(a.k_dim), dv = int(a.v_dim);
  float* S = smem;               // [dk][kTile]
  float* qs = S + dk * kTile;    // [dk]
  float* ks = qs + dk;           // [dk]
  float* part = ks + dk;         // [kRowGroups][kTile]
  float* delta = part + kThreads;  // [kTile]
  float* scratch = delta + kTile;  // [32] block reductions
  const int tid = threadIdx.x, tx = tid % kTile, ty = tid / kTile;
  const int h = blockIdx.x, col = blockIdx.y * kTile + tx;
  const bool valid = col < dv;
  const int64_t kh = h / (a.v_heads / a.k_heads);
  float* Sg = a.state + int64_t(h) * dk * dv;
  for (int i = ty; i < dk; i += kRowGroups) S[i * kTile + tx] = valid ? Sg[int64_t(i) * dv + col] : 0.0f;
  const float scale = 1.0f / sqrtf(float(dk));
  for (int64_t t = 0; t < a.n_tokens; ++t) {
    const float* qg = a.q + t * a.q_st + kh * a.q_sh;
    const float* kg = a.k + t * a.k_st + kh * a.k_sh;
    float sq = 0.0f, sk = 0.0f;
    for (int i = tid; i < dk; i += kThreads) {
      qs[i] = qg[i];
      ks[i] = kg[i];
      sq += qs[i] * qs[i];
      sk += ks[i] * ks[i];
    }
    sq = cuda::block_sum(sq, scratch);  // contains __syncthreads: qs/ks visible afterwards
    sk = cuda::block_sum(sk, scratch);
    const float q_scale = (a.l2norm_qk ? 1.0f / sqrtf(sq + 1e-6f) : 1.0f) * scale;
    const float k_scale = a.l2norm_qk ? 1.0f / sqrtf(sk + 1e-6f) : 1.0f;
    const float decay = expf(a.g[t * a.g_st + h]);
    const float beta = a.beta[t * a.beta_st + h];
    float m = 0.0f;
    for (int i = ty; i < dk; i += kRowGroups) {  // decay, then read kᵀS with the decayed state
      const float s = S[i * kTile + tx] * decay;
      S[i * kTile + tx] = s;
      m += s * ks[i];
    }
    part[ty * kTile + tx] = m;
    __syncthreads();
    if (ty == 0) {
      float mem = 0.0f;
      for (int y = 0; y < kRowGroups; ++y) mem += part[y * kTile + tx];
      const float v = valid ? a.v[t * a.v_st + h * a.v_sh + col] : 0.0f;
      delta[tx] = (v - mem * k_scale) * beta;
    }
    __syncthreads();
    float o = 0.0f;
    const float d = delta[tx] * k_scale;
    for (int i = ty; i < dk; i += kRowGroups) {  // write k deltaᵀ, then read qᵀS
      const float s = S[i * kTile + tx] + ks[i] * d;
      S[i * kTile + tx] = s;
      o += s * qs[i];
    }
    part[ty * kTile + tx] = o;
    __syncthreads();
    if (ty == 0 && valid) {
      float sum = 0.0f;
      for (int y = 0; y < kRowGroups; ++y) sum += part[y * kTile + tx];
      a.out[t * a.out_st + h * a.out_sh + col] = sum * q_scale;
    }
    __syncthreads();  // part/qs/ks are reused by the next token
  }
  if (valid)
    for (int i = ty; i < dk; i += kRowGroups) Sg[int64_t(i) * dv + col] = S[i * kTile + tx];
}

// ---------------------------------------------------------------- chunked delta rule

struct ChunkScratch {
  float* U;   // [Hv, n_chunks, C, dv]
  float* W;   // [Hv, n_chunks, C, dk]
  float* Qg;  // [Hv, n_chunks, C, dk]  q (normalised, scaled) * e^gam
  float* Kd;  // [Hv, n_chunks, C, dk]  k (normalised) * e^(gam_last - gam)
  float* A;   // [Hv, n_chunks, C, C]   (q_i·k_j) e^(gam_i - gam_j), j <= i
  float* eL;  // [Hv, n_chunks]         e^gam_last
  int64_t n_chunks;
};

__global__ void __launch_bounds__(kThreads) delta_chunk_prepare_kernel(DeltaRuleArgs a, ChunkScratch s) {
  extern __shared__ float smem[];
  const int C = a.chunk, dk = int(a.k_dim), dv = int(a.v_dim);
  float* Qs = smem;          // [C][dk]
  float* Ks = Qs + C * dk;   // [C][dk]
  float* L = Ks + C * dk;    // [C][C]
  float* gam = L + C * C;    // [C]
  float* beta = gam + C;     // [C]
  const int chunk = blockIdx.x, h = blockIdx.y, tid = threadIdx.x;
  const int64_t kh = h / (a.v_heads / a.k_heads), t0 = int64_t(chunk) * C;
  const int n = int(a.n_tokens - t0 < C ? a.n_tokens - t0 : C);
  const int64_t base = int64_t(h) * s.n_chunks + chunk;
  for (int idx = tid; idx < C * dk; idx += kThreads) {
    const int i = idx / dk, d = idx % dk;
    Qs[idx] = i < n ? a.q[(t0 + i) * a.q_st + kh * a.q_sh + d] : 0.0f;
    Ks[idx] = i < n ? a.k[(t0 + i) * a.k_st + kh * a.k_sh + d] : 0.0f;
  }
  __syncthreads();
  const int warp = tid / 32, lane = tid % 32;
  const float scale = 1.0f / sqrtf(float(dk));
  for (int i = warp; i < n; i += kThreads / 32) {  // per-row L2 norm and q scale
    float sq = 0.0f, sk = 0.0f;
    for (int d = lane; d < dk; d += 32) {
      sq += Qs[i * dk + d] * Qs[i * dk + d];
      sk += Ks[i * dk + d] * Ks[i * dk + d];
    }
    sq = cuda::warp_sum(sq);
    sk = cuda::warp_sum(sk);
    const float qf = (a.l2norm_qk ? 1.0f / sqrtf(sq + 1e-6f) : 1.0f) * scale;
    const float kf = a.l2norm_qk ? 1.0f / sqrtf(sk + 1e-6f) : 1.0f;
    for (int d = lane; d < dk; d += 32) {
      Qs[i * dk + d] *= qf;
      Ks[i * dk + d] *= kf;
    }
  }
  if (tid == 0) {
    float run = 0.0f;
    for (int i = 0; i < C; ++i) {  // padding rows: g = 0, beta = 0 (transformers' zero padding)
      if (i < n) run += a.g[(t0 + i) * a.g_st + h];
      gam[i] = run;
      beta[i] = i < n ? a.beta[(t0 + i) * a.beta_st + h] : 0.0f;
    }
    s.eL[base] = expf(run);
  }
  __syncthreads();
  float* A = s.A + base * C * C;
  for (int idx = tid; idx < C * C; idx += kThreads) {
    const int i = idx / C, j = idx % C;
    float l = 0.0f, att = 0.0f;
    if (j <= i && i < n) {
      float kk = 0.0f, qk = 0.0f;
      for (int d = 0; d < dk; ++d) {
        kk += Ks[i * dk + d] * Ks[j * dk + d];
        qk += Qs[i * dk + d] * Ks[j * dk + d];
      }
      const float decay = expf(gam[i] - gam[j]);
      l = j < i ? beta[i] * kk * decay : 0.0f;
      att = qk * decay;
    }
    L[idx] = l;
    A[idx] = att;
  }
  __syncthreads();
  // Forward substitution, one thread per column of [V | K]; a column only depends on itself.
  float* U = s.U + base * C * dv;
  float* W = s.W + base * C * dk;
  float* Qg = s.Qg + base * C * dk;
  float* Kd = s.Kd + base * C * dk;
  const float last = gam[C - 1];
  for (int col = tid; col < dv + dk; col += kThreads) {
    if (col < dv) {
      for (int i = 0; i < C; ++i) {
        float u = i < n ? beta[i] * a.v[(t0 + i) * a.v_st + h * a.v_sh + col] : 0.0f;
        for (int j = 0; j < i; ++j) u -= L[i * C + j] * U[j * dv + col];
        U[i * dv + col] = u;
      }
    } else {
      const int e = col - dv;
      for (int i = 0; i < C; ++i) {
        float w = beta[i] * expf(gam[i]) * Ks[i * dk + e];
        for (int j = 0; j < i; ++j) w -= L[i * C + j] * W[j * dk + e];
        W[i * dk + e] = w;
        Qg[i * dk + e] = Qs[i * dk + e] * expf(gam[i]);
        Kd[i * dk + e] = Ks[i * dk + e] * expf(last - gam[i]);
      }
    }
  }
}

__global__ void __launch_bounds__(kThreads) delta_chunk_scan_kernel(DeltaRuleArgs a, ChunkScratch s) {
  extern __shared__ float smem[];
  const int C = a.chunk, dk = int(a.k_dim), dv = int(a.v_dim);
  float* S = smem;              // [dk][kTile]
  float* Vn = S + dk * kTile;   // [C][kTile]
  const int tid = threadIdx.x, tx = tid % kTile, ty = tid / kTile;
  const int h = blockIdx.x, col = blockIdx.y * kTile + tx;
  const bool valid = col < dv;
  float* Sg = a.state + int64_t(h) * dk * dv;
  for (int i = ty; i < dk; i += kRowGroups) S[i * kTile + tx] = valid ? Sg[int64_t(i) * dv + col] : 0.0f;
  __syncthreads();
  for (int64_t c = 0; c < s.n_chunks; ++c) {
    const int64_t base = int64_t(h) * s.n_chunks + c, t0 = c * C;
    const int n = int(a.n_tokens - t0 < C ? a.n_tokens - t0 : C);
    const float* U = s.U + base * C * dv;
    const float* W = s.W + base * C * dk;
    const float* Qg = s.Qg + base * C * dk;
    const float* Kd = s.Kd + base * C * dk;
    const float* A = s.A + base * C * C;
    for (int i = ty; i < C; i += kRowGroups) {
      float v = valid ? U[i * dv + col] : 0.0f;
      for (int e = 0; e < dk; ++e) v -= W[i * dk + e] * S[e * kTile + tx];
      Vn[i * kTile + tx] = v;
    }
    __syncthreads();
    for (int i = ty; i < n; i += kRowGroups) {
      float o = 0.0f;
      for (int e = 0; e < dk; ++e) o += Qg[i * dk + e] * S[e * kTile + tx];
      for (int j = 0; j <= i; ++j) o += A[i * C + j] * Vn[j * kTile + tx];
      if (valid) a.out[(t0 + i) * a.out_st + h * a.out_sh + col] = o;
    }
    __syncthreads();  // every read of S for this chunk is done
    const float eL = s.eL[base];
    for (int e = ty; e < dk; e += kRowGroups) {
      float v = S[e * kTile + tx] * eL;
      for (int i = 0; i < C; ++i) v += Kd[i * dk + e] * Vn[i * kTile + tx];
      S[e * kTile + tx] = v;
    }
    __syncthreads();
  }
  if (valid)
    for (int i = ty; i < dk; i += kRowGroups) Sg[int64_t(i) * dv + col] = S[i * kTile + tx];
}

void set_smem(const void* kernel, size_t bytes) {
  TOPS_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)));
}

// ---------------------------------------------------------------- host entry points

void conv1d_cuda(tops_context& ctx, const Conv1dArgs& a) {
  cudaStream_t stream = stream_of(ctx);
  conv1d_kernel<<<blocks_for(a.n_tokens * a.channels, kThreads), kThreads, 0, stream>>>(a);
  TOPS_CUDA_CHECK_LAUNCH("conv1d_kernel");
  if (a.state != nullptr && a.kernel > 1) {
    conv1d_state_kernel<<<blocks_for(a.channels, kThreads), kThreads, 0, stream>>>(a);
    TOPS_CUDA_CHECK_LAUNCH("conv1d_state_kernel");
  }
}

void l2norm_cuda(tops_context& ctx, const L2NormArgs& a) {
  l2norm_kernel<<<blocks_for(a.rows, kThreads / 32), kThreads, 0, stream_of(ctx)>>>(a);
  TOPS_CUDA_CHECK_LAUNCH("l2norm_kernel");
}

void gates_cuda(tops_context& ctx, const GatesArgs& a) {
  gates_kernel<<<blocks_for(a.n_tokens * a.v_heads, kThreads), kThreads, 0, stream_of(ctx)>>>(a);
  TOPS_CUDA_CHECK_LAUNCH("gates_kernel");
}

void delta_rule_cuda(tops_context& ctx, const DeltaRuleArgs& a) {
  if (a.k_dim > kMaxKeyDim)
    fail(TOPS_ERR_UNSUPPORTED, "the CUDA delta rule takes k head dims up to " + std::to_string(kMaxKeyDim) + ", got " +
                                   std::to_string(a.k_dim));
  cudaStream_t stream = stream_of(ctx);
  const dim3 tiles(unsigned(a.v_heads), blocks_for(a.v_dim, kTile));
  if (!a.chunked) {
    const size_t smem = sizeof(float) * size_t(a.k_dim * kTile + 2 * a.k_dim + kThreads + kTile + 32);
    set_smem(reinterpret_cast<const void*>(delta_recurrent_kernel), smem);
    delta_recurrent_kernel<<<tiles, kThreads, smem, stream>>>(a);
    TOPS_CUDA_CHECK_LAUNCH("delta_recurrent_kernel");
    return;
  }
  const int64_t C = a.chunk, n_chunks = (a.n_tokens + C - 1) / C, slots = a.v_heads * n_chunks;
  const size_t floats = size_t(slots * (C * a.v_dim + 3 * C * a.k_dim + C * C + 1));
  cuda::Scratch scratch(ctx, floats * sizeof(float));
  ChunkScratch s{};
  s.U = scratch.as<float>();
  s.W = s.U + slots * C * a.v_dim;
  s.Qg = s.W + slots * C * a.k_dim;
  s.Kd = s.Qg + slots * C * a.k_dim;
  s.A = s.Kd + slots * C * a.k_dim;
  s.eL = s.A + slots * C * C;
  s.n_chunks = n_chunks;
  const size_t prep_smem = sizeof(float) * size_t(2 * C * a.k_dim + C * C + 2 * C);
  set_smem(reinterpret_cast<const void*>(delta_chunk_prepare_kernel), prep_smem);
  delta_chunk_prepare_kernel<<<dim3(unsigned(n_chunks), unsigned(a.v_heads)), kThreads, prep_smem, stream>>>(a, s);
  TOPS_CUDA_CHECK_LAUNCH("delta_chunk_prepare_kernel");
  const size_t scan_smem = sizeof(float) * size_t(a.k_dim * kTile + C * kTile);
  set_smem(reinterpret_cast<const void*>(delta_chunk_scan_kernel), scan_smem);
  delta_chunk_scan_kernel<<<tiles, kThreads, scan_smem, stream>>>(a, s);
  TOPS_CUDA_CHECK_LAUNCH("delta_chunk_scan_kernel");
}

}  // namespace
}  // namespace tops::deltanet

TOPS_REGISTER_CUDA_KERNEL(tops::deltanet::Conv1dOp, tops::deltanet::conv1d_cuda);
TOPS_REGISTER_CUDA_KERNEL(tops::deltanet::L2NormOp, tops::deltanet::l2norm_cuda);
TOPS_REGISTER_CUDA_KERNEL(tops::deltanet::GatesOp, tops::deltanet::gates_cuda);
TOPS_REGISTER_CUDA_KERNEL(tops::deltanet::DeltaRuleOp, tops::deltanet::delta_rule_cuda);
