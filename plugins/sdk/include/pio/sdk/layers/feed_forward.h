// The feed-forward half of a decoder layer, as an interface: a dense SwiGLU MLP
// (layers/mlp.h), a routed mixture of experts (layers/moe.h), ... Families pick one per layer.
#pragma once

#include "pio/sdk/layers/workspace.h"
#include "tensor_ops/tensor_ops.hpp"

namespace pio::sdk {

class FeedForward {
 public:
  virtual ~FeedForward() = default;

  // out [n, D] = FFN(x [n, D]). `out` must not alias `x`. Runs on the caller's thread with the
  // caller's context; implementations keep no per-call state (a model is shared by sessions).
  virtual void forward(const ops::Context& ctx, const ops::Tensor& x, Workspace& workspace,
                       const ops::Tensor& out) const = 0;
};

}  // namespace pio::sdk
