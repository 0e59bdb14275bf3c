// Internal declarations of the elementwise family (tensor_ops/elementwise.h). CUDA registers
// kernels for BinaryOp, ScaleOp and CopyOp (core/cuda_hooks.h).
#pragma once

#include <cstdint>

#include "core/context_impl.h"
#include "tensor_ops/tensor.h"

namespace tops {

enum class BinaryKind { kAdd, kMul };

// Validated: a, y f32 same shape, innermost contiguous; b f32 either the same shape
// (broadcast == false) or contiguous with a's trailing shape (broadcast == true: element with
// logical linear index L of a pairs with b[L % numel(b)]).
struct BinaryArgs {
  BinaryKind kind;
  tops_tensor a, b, y;
  bool broadcast;
};
struct ScaleArgs {
  tops_tensor x, y;  // f32 same shape, innermost contiguous
  float scale;
};
// Validated: same shape; dtypes f32/bf16/f16 (any pair) or i32 -> i32; any strides.
struct CopyArgs {
  tops_tensor src, dst;
};

struct BinaryOp {
  using Fn = void(tops_context&, const BinaryArgs&);
};
struct ScaleOp {
  using Fn = void(tops_context&, const ScaleArgs&);
};
struct CopyOp {
  using Fn = void(tops_context&, const CopyArgs&);
};

void binary_ref(tops_context&, const BinaryArgs&);
void binary_cpu(tops_context&, const BinaryArgs&);
void scale_ref(tops_context&, const ScaleArgs&);
void scale_cpu(tops_context&, const ScaleArgs&);
// Copy is exact (conversion only), so the reference and the CPU path are the same code.
void copy_cpu(tops_context&, const CopyArgs&);

}  // namespace tops
