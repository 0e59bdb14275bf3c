// The SwiGLU MLP block.
#include "pio/sdk/layers/mlp.h"

#include "pio/sdk/layers/weights.h"

namespace pio::sdk {

SwigluWeights SwigluWeights::load(const Checkpoint& checkpoint, const std::string& prefix,
                                  int64_t hidden, int64_t intermediate) {
  SwigluWeights w;
  w.gate_proj = weight(checkpoint, prefix + "gate_proj.weight", {intermediate, hidden});
  w.up_proj = weight(checkpoint, prefix + "up_proj.weight", {intermediate, hidden});
  w.down_proj = weight(checkpoint, prefix + "down_proj.weight", {hidden, intermediate});
  return w;
}

void swiglu_mlp(const ops::Context& ctx, const SwigluWeights& w, const ops::Tensor& x,
                Workspace& workspace, const ops::Tensor& out) {
  const int64_t n = x.dim(0);
  const int64_t intermediate = w.gate_proj.dim(0);
  ops::Tensor gate = workspace.f32("mlp.gate", {n, intermediate});
  ops::Tensor up = workspace.f32("mlp.up", {n, intermediate});
  ops::linear(ctx, x, w.gate_proj, gate);
  ops::linear(ctx, x, w.up_proj, up);
  ops::swiglu(ctx, gate, up, gate);  // in place: silu(gate) * up
  ops::linear(ctx, gate, w.down_proj, out);
}

}  // namespace pio::sdk
