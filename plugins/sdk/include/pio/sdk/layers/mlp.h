// The SwiGLU feed-forward block: down(silu(gate(x)) * up(x)), no biases (Llama/Qwen style).
#pragma once

#include <cstdint>
#include <string>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/layers/workspace.h"
#include "tensor_ops/tensor_ops.hpp"

namespace pio::sdk {

struct SwigluWeights {
  ops::Tensor gate_proj;  // [I, D]
  ops::Tensor up_proj;    // [I, D]
  ops::Tensor down_proj;  // [D, I]

  // Reads `<prefix>gate_proj.weight`, `up_proj`, `down_proj` (prefix e.g. "model.layers.3.mlp.").
  static SwigluWeights load(const Checkpoint& checkpoint, const std::string& prefix,
                            int64_t hidden, int64_t intermediate);
};

// out [n, D] = SwiGLU MLP of x [n, D]. `out` must not alias `x`.
void swiglu_mlp(const ops::Context& ctx, const SwigluWeights& weights, const ops::Tensor& x,
                Workspace& workspace, const ops::Tensor& out);

}  // namespace pio::sdk
