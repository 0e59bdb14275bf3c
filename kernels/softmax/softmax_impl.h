// Internal declarations of tops_softmax (tensor_ops/softmax.h). CUDA: SoftmaxOp.
#pragma once

#include "core/context_impl.h"
#include "tensor_ops/tensor.h"

namespace tops {

// Validated: x, y f32 same shape [..., n], n >= 1, innermost contiguous; y may alias x.
struct SoftmaxArgs {
  tops_tensor x, y;
};
struct SoftmaxOp {
  using Fn = void(tops_context&, const SoftmaxArgs&);
};

void softmax_ref(tops_context&, const SoftmaxArgs&);
void softmax_cpu(tops_context&, const SoftmaxArgs&);

}  // namespace tops
