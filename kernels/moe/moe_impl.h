// Internal interface of the MoE ops (public API: tensor_ops/moe.h), shared by the C API layer
// (moe.cpp) and the CPU / CUDA backends: validated pointer-level argument structs, the
// definition of the opaque tops_moe_experts, and the op tags the CUDA backend registers with
// TOPS_REGISTER_CUDA_KERNEL (core/cuda_hooks.h). Backends throw tops::Error on failure.
#pragma once

#include <cstdint>
#include <vector>

#include "core/context_impl.h"
#include "tensor_ops/moe.h"
#include "tensor_ops/tensor.h"

// The validated expert weight table. Host vectors hold per-expert base pointers (device pointers
// for a CUDA table); `device_table` is the CUDA copy [gate[E] | up[E] | down[E]] of them.
struct tops_moe_experts {
  tops_device device = TOPS_DEVICE_CPU;
  int device_index = 0;
  tops_dtype dtype = TOPS_F32;
  int32_t n_experts = 0;
  int64_t hidden = 0;  // D
  int64_t inter = 0;   // I
  // True when up[e] == gate[e] + inter*hidden (fused gate_up layout): one [2I, D] matmul.
  bool gate_up_adjacent = false;
  std::vector<const void*> gate, up, down;  // [n_experts] each: [I, D], [I, D], [D, I]
  void* device_table = nullptr;              // CUDA: const void*[3 * n_experts]
};

namespace tops::moe {

struct RouteArgs {
  const float* logits;  // [T, E], row stride logits_stride
  int64_t logits_stride;
  const float* bias;    // [E] or nullptr
  int64_t n_tokens, n_experts;
  int32_t top_k;
  bool sigmoid;         // scoring
  bool normalize;
  int32_t n_group, topk_group;
  float scaling;
  int32_t* ids;         // [T, top_k] contiguous
  float* weights;       // [T, top_k] contiguous
};

struct DispatchArgs {
  const int32_t* ids;  // [n_pairs] (= [T, k] flattened)
  int64_t n_pairs;
  int32_t n_experts;
  int32_t* offsets;    // [n_experts + 1]
  int32_t* order;      // [n_pairs]
};

struct FfnArgs {
  const tops_moe_experts* experts;
  const float* x;        // [T, D], row stride x_stride
  int64_t x_stride;
  const int32_t* ids;    // [T, k]
  const float* weights;  // [T, k]
  int64_t n_tokens, top_k;
  int64_t hidden, inter; // copies of experts->hidden / inter (device code reads these)
  float* y;              // [T, D], row stride y_stride
  int64_t y_stride;
  bool accumulate;
};

struct RouteOp { using Fn = void(tops_context&, const RouteArgs&); };
struct DispatchOp { using Fn = void(tops_context&, const DispatchArgs&); };
struct FfnOp { using Fn = void(tops_context&, const FfnArgs&); };

// CUDA hooks for the expert table: upload the pointer table / free it. Registered by
// moe_cuda.cu; null in CPU-only builds.
struct ExpertTableOps {
  void (*upload)(tops_context& ctx, tops_moe_experts& experts);
  void (*release)(tops_moe_experts& experts) noexcept;
};
inline const ExpertTableOps* cuda_expert_table = nullptr;

// CPU backend (moe_cpu.cpp). Each picks the double-precision reference when ctx.cpu_path is
// TOPS_CPU_PATH_REFERENCE.
void route_cpu(tops_context& ctx, const RouteArgs& a);
void dispatch_cpu(tops_context& ctx, const DispatchArgs& a);
void ffn_cpu(tops_context& ctx, const FfnArgs& a);

}  // namespace tops::moe
