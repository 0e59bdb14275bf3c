// The SwiGLU MLP block.
#include "pio/sdk/layers/mlp.h"

#include "pio/sdk/layers/weights.h"

namespace pio::sdk {

SwigluFeedForward::SwigluFeedForward(const Checkpoint& checkpoint, const std::string& prefix,
                                     int64_t hidden, int64_t intermediate)
    : gate_proj_(weight(checkpoint, prefix + "gate_proj.weight", {intermediate, hidden})),
      up_proj_(weight(checkpoint, prefix + "up_proj.weight", {intermediate, hidden})),
      down_proj_(weight(checkpoint, prefix + "down_proj.weight", {hidden, intermediate})) {}

void SwigluFeedForward::forward(const ops::Context& ctx, const ops::Tensor& x,
                                Workspace& workspace, const ops::Tensor& out) const {
  const int64_t n = x.dim(0);
  const int64_t intermediate = gate_proj_.dim(0);
  ops::Tensor gate = workspace.f32("mlp.gate", {n, intermediate});
  ops::Tensor up = workspace.f32("mlp.up", {n, intermediate});
  ops::linear(ctx, x, gate_proj_, gate);
  ops::linear(ctx, x, up_proj_, up);
  ops::swiglu(ctx, gate, up, gate);  // in place: silu(gate) * up
  ops::linear(ctx, gate, down_proj_, out);
}

}  // namespace pio::sdk
