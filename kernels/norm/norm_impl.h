// Internal declarations of the norm op family (public API: tensor_ops/norm.h): validated argument
// structs and the per-backend entry points. The CUDA backend registers kernels for RmsNormOp and
// LayerNormOp with TOPS_REGISTER_CUDA_KERNEL (core/cuda_hooks.h).
#pragma once

#include "core/context_impl.h"
#include "tensor_ops/tensor.h"

namespace tops {

// Validated by tops_rmsnorm: x/y/gate f32 with the same shape [..., d], innermost contiguous;
// weight contiguous [d] f32/bf16/f16 or absent; eps >= 0.
struct RmsNormArgs {
  tops_tensor x;
  tops_tensor y;
  bool has_weight;
  tops_tensor weight;
  bool has_gate;
  tops_tensor gate;
  float eps;
  bool zero_centered;  // multiply by (1 + w)
};

// Validated by tops_layernorm: x/y f32 same shape, weight/bias contiguous [d] or absent.
struct LayerNormArgs {
  tops_tensor x;
  tops_tensor y;
  bool has_weight;
  tops_tensor weight;
  bool has_bias;
  tops_tensor bias;
  float eps;
};

struct RmsNormOp {
  using Fn = void(tops_context&, const RmsNormArgs&);
};
struct LayerNormOp {
  using Fn = void(tops_context&, const LayerNormArgs&);
};

void rmsnorm_ref(tops_context& ctx, const RmsNormArgs& args);
void rmsnorm_cpu(tops_context& ctx, const RmsNormArgs& args);
void layernorm_ref(tops_context& ctx, const LayerNormArgs& args);
void layernorm_cpu(tops_context& ctx, const LayerNormArgs& args);

}  // namespace tops
