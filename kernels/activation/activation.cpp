// Entry points of the activation family (tensor_ops/activation.h).
#include "activation/activation_impl.h"
#include "core/dispatch.h"
#include "core/guard.h"
#include "core/validate.h"

extern "C" {

TOPS_API tops_status tops_activation(tops_context* ctx, tops_activation_kind kind, const tops_tensor* x,
                                     tops_tensor* y) {
  return tops::guard("tops_activation", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    ActivationArgs a{kind, require_tensor(c, x, "x", {TOPS_F32}), require_tensor(c, y, "y", {TOPS_F32})};
    if (kind < TOPS_ACT_SILU || kind > TOPS_ACT_SOFTPLUS) fail(TOPS_ERR_INVALID_ARG, "unknown activation kind " + std::to_string(kind));
    require_same_shape(a.x, "x", a.y, "y");
    require_inner_contiguous(a.x, "x");
    require_inner_contiguous(a.y, "y");
    if (tops_tensor_numel(&a.x) == 0) return;
    dispatch<ActivationOp>(c, a, [](tops_context& cc, const ActivationArgs& aa) {
      if (cc.cpu_path == TOPS_CPU_PATH_REFERENCE) activation_ref(cc, aa);
      else activation_cpu(cc, aa);
    });
  });
}

TOPS_API tops_status tops_swiglu(tops_context* ctx, const tops_tensor* gate, const tops_tensor* up, tops_tensor* y) {
  return tops::guard("tops_swiglu", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    SwigluArgs a{};
    a.gate = require_tensor(c, gate, "gate", {TOPS_F32});
    a.y = require_tensor(c, y, "y", {TOPS_F32});
    require_min_ndim(a.y, "y", 1);
    require_inner_contiguous(a.gate, "gate");
    require_inner_contiguous(a.y, "y");
    const int64_t inter = a.y.shape[a.y.ndim - 1];
    if (up != nullptr) {
      a.up = require_tensor(c, up, "up", {TOPS_F32});
      require_same_shape(a.y, "y", a.gate, "gate");
      require_same_shape(a.y, "y", a.up, "up");
      require_inner_contiguous(a.up, "up");
    } else {
      // Fused [..., 2I]: same leading shape as y, last dim twice y's.
      bool ok = a.gate.ndim == a.y.ndim && a.gate.shape[a.gate.ndim - 1] == 2 * inter;
      for (int32_t d = 0; ok && d + 1 < a.y.ndim; ++d) ok = a.gate.shape[d] == a.y.shape[d];
      if (!ok)
        fail(TOPS_ERR_SHAPE_MISMATCH, "fused gate_up " + shape_string(a.gate) + " must be y's shape " +
                                          shape_string(a.y) + " with the last dimension doubled");
      a.up = a.gate;
      a.up.data = static_cast<float*>(a.gate.data) + inter;
      a.gate.shape[a.gate.ndim - 1] = inter;
      a.up.shape[a.up.ndim - 1] = inter;
    }
    if (tops_tensor_numel(&a.y) == 0) return;
    dispatch<SwigluOp>(c, a, [](tops_context& cc, const SwigluArgs& aa) {
      if (cc.cpu_path == TOPS_CPU_PATH_REFERENCE) swiglu_ref(cc, aa);
      else swiglu_cpu(cc, aa);
    });
  });
}

}  // extern "C"
