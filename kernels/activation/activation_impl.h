// Internal declarations of the activation family (tensor_ops/activation.h). CUDA registers
// kernels for ActivationOp and SwigluOp (core/cuda_hooks.h).
#pragma once

#include "core/context_impl.h"
#include "tensor_ops/activation.h"

namespace tops {

// Validated: x, y f32 same shape, innermost contiguous; kind is a known tops_activation_kind.
struct ActivationArgs {
  tops_activation_kind kind;
  tops_tensor x, y;
};
// Validated: y [..., I]; gate and up are row views of length I (separate tensors, or the two
// halves of one fused [..., 2I] tensor, in which case `up` is the second half of `gate`).
struct SwigluArgs {
  tops_tensor gate, up, y;
};

struct ActivationOp {
  using Fn = void(tops_context&, const ActivationArgs&);
};
struct SwigluOp {
  using Fn = void(tops_context&, const SwigluArgs&);
};

void activation_ref(tops_context&, const ActivationArgs&);
void activation_cpu(tops_context&, const ActivationArgs&);
void swiglu_ref(tops_context&, const SwigluArgs&);
void swiglu_cpu(tops_context&, const SwigluArgs&);

}  // namespace tops
