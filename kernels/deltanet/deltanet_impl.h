// Internal interface of the DeltaNet ops, shared by the C API layer (deltanet.cpp) and the
// CPU / CUDA backends. The API layer checks the tensor descriptors once and flattens them into
// the Args structs below: raw f32 pointers plus element strides (innermost dimension always
// contiguous), so backends never look at a tops_tensor. Backends throw tops::Error on failure.
// CUDA kernels plug in through the tag types (core/cuda_hooks.h):
//   TOPS_REGISTER_CUDA_KERNEL(tops::deltanet::Conv1dOp, conv1d_cuda);
#pragma once

#include <cstdint>

#include "tensor_ops/context.h"
#include "tensor_ops/tensor.h"

namespace tops::deltanet {


struct Conv1dArgs {
  const float* x;        // [T, C], row stride x_stride
  int64_t x_stride;
  const void* weight;    // [C, K] contiguous, dtype weight_dtype
  tops_dtype weight_dtype;
  float* state;          // [C, K-1] contiguous, or nullptr (zeros, not kept)
  float* y;              // [T, C], row stride y_stride
  int64_t y_stride;
  int64_t n_tokens, channels, kernel;
  bool silu;
};

struct L2NormArgs {
  const float* x;   // rows of length dim; row r at x + r * x_stride
  int64_t x_stride;
  float* y;
  int64_t y_stride;
  int64_t rows, dim;
  float eps;
};

struct GatesArgs {
  const float* a;  // [T, Hv]
  int64_t a_stride;
  const float* b;  // [T, Hv]
  int64_t b_stride;
  const void* a_log;    // [Hv], dtype a_log_dtype
  tops_dtype a_log_dtype;
  const void* dt_bias;  // [Hv]
  tops_dtype dt_bias_dtype;
  float* g;             // [T, Hv]
  int64_t g_stride;
  float* beta;          // [T, Hv]
  int64_t beta_stride;
  int64_t n_tokens, v_heads;
};

struct DeltaRuleArgs {
  const float* q;  // [T, Hk, dk]: element (t, h, i) at q + t*q_st + h*q_sh + i
  int64_t q_st, q_sh;
  const float* k;
  int64_t k_st, k_sh;
  const float* v;  // [T, Hv, dv]
  int64_t v_st, v_sh;
  const float* g;  // [T, Hv]: (t, h) at g + t*g_st + h
  int64_t g_st;
  const float* beta;
  int64_t beta_st;
  float* state;    // [Hv, dk, dv] contiguous
  float* out;      // [T, Hv, dv]
  int64_t out_st, out_sh;
  int64_t n_tokens, k_heads, v_heads, k_dim, v_dim;
  bool l2norm_qk;
  int32_t chunk;   // rows per chunk (CHUNKED)
  bool chunked;    // resolved mode
};

struct Conv1dOp { using Fn = void(tops_context&, const Conv1dArgs&); };
struct L2NormOp { using Fn = void(tops_context&, const L2NormArgs&); };
struct GatesOp { using Fn = void(tops_context&, const GatesArgs&); };
struct DeltaRuleOp { using Fn = void(tops_context&, const DeltaRuleArgs&); };

// CPU backend (deltanet_cpu.cpp): runs on ctx's thread pool.
void conv1d_cpu(tops_context& ctx, const Conv1dArgs& a);
void l2norm_cpu(tops_context& ctx, const L2NormArgs& a);
void gates_cpu(tops_context& ctx, const GatesArgs& a);
void delta_rule_cpu(tops_context& ctx, const DeltaRuleArgs& a);

}  // namespace tops::deltanet
