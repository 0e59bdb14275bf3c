// The SwiGLU feed-forward block: down(silu(gate(x)) * up(x)), no biases (Llama/Qwen style).
#pragma once

#include <cstdint>
#include <string>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/layers/feed_forward.h"
#include "tensor_ops/tensor_ops.hpp"

namespace pio::sdk {

class SwigluFeedForward final : public FeedForward {
 public:
  // Reads `<prefix>gate_proj.weight` [I, D], `up_proj` [I, D], `down_proj` [D, I]
  // (prefix e.g. "model.layers.3.mlp."). Throws pio::Error naming a missing/misshaped tensor.
  SwigluFeedForward(const Checkpoint& checkpoint, const std::string& prefix, int64_t hidden,
                    int64_t intermediate);

  void forward(const ops::Context& ctx, const ops::Tensor& x, Workspace& workspace,
               const ops::Tensor& out) const override;

 private:
  ops::Tensor gate_proj_;  // [I, D]
  ops::Tensor up_proj_;    // [I, D]
  ops::Tensor down_proj_;  // [D, I]
};

}  // namespace pio::sdk
