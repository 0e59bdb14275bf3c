// Entry points of the norm family (tensor_ops/norm.h): validation, then backend dispatch.
#include <cmath>

#include "core/dispatch.h"
#include "core/guard.h"
#include "core/validate.h"
#include "norm/norm_impl.h"
#include "tensor_ops/norm.h"

namespace tops {
namespace {

constexpr std::initializer_list<tops_dtype> kFloatTypes = {TOPS_F32, TOPS_BF16, TOPS_F16};

// A per-feature parameter vector ([d] contiguous) or absent.
bool optional_vector(const tops_context& ctx, const tops_tensor* t, const char* name, int64_t d, tops_tensor& out) {
  if (optional_tensor(ctx, t, name, kFloatTypes) == nullptr) return false;
  require_ndim(*t, name, 1);
  require_dim(*t, name, 0, d, "x's last dimension");
  require_inner_contiguous(*t, name);
  out = *t;
  return true;
}

// The input and output of a row-wise norm: f32, same shape, >= 1 dimension, rows innermost
// contiguous. Copies them to x_out / y_out and returns the row length (x's last dimension).
int64_t require_rows_in_out(const tops_context& ctx, const tops_tensor* x, const tops_tensor* y, tops_tensor& x_out,
                            tops_tensor& y_out) {
  x_out = require_tensor(ctx, x, "x", {TOPS_F32});
  y_out = require_tensor(ctx, y, "y", {TOPS_F32});
  require_min_ndim(x_out, "x", 1);
  require_same_shape(x_out, "x", y_out, "y");
  require_inner_contiguous(x_out, "x");
  require_inner_contiguous(y_out, "y");
  return x_out.shape[x_out.ndim - 1];
}

void require_eps(float eps) {
  if (!(eps >= 0.0f) || std::isinf(eps)) fail(TOPS_ERR_INVALID_ARG, "eps is " + std::to_string(eps) + " (must be finite and >= 0)");
}

}  // namespace
}  // namespace tops

extern "C" {

TOPS_API tops_status tops_rmsnorm(tops_context* ctx, const tops_tensor* x, const tops_tensor* weight,
                                  const tops_tensor* gate, float eps, uint32_t flags, tops_tensor* y) {
  return tops::guard("tops_rmsnorm", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    RmsNormArgs a{};
    const int64_t d = require_rows_in_out(c, x, y, a.x, a.y);
    a.has_weight = optional_vector(c, weight, "weight", d, a.weight);
    if (optional_tensor(c, gate, "gate", {TOPS_F32}) != nullptr) {
      require_same_shape(a.x, "x", *gate, "gate");
      require_inner_contiguous(*gate, "gate");
      a.has_gate = true;
      a.gate = *gate;
    }
    if ((flags & ~uint32_t{TOPS_RMSNORM_ZERO_CENTERED}) != 0)
      fail(TOPS_ERR_INVALID_ARG, "unknown flags " + std::to_string(flags));
    require_eps(eps);
    a.eps = eps;
    a.zero_centered = (flags & TOPS_RMSNORM_ZERO_CENTERED) != 0;
    dispatch<RmsNormOp>(c, a, [](tops_context& cc, const RmsNormArgs& aa) {
      if (cc.cpu_path == TOPS_CPU_PATH_REFERENCE) rmsnorm_ref(cc, aa);
      else rmsnorm_cpu(cc, aa);
    });
  });
}

TOPS_API tops_status tops_layernorm(tops_context* ctx, const tops_tensor* x, const tops_tensor* weight,
                                    const tops_tensor* bias, float eps, tops_tensor* y) {
  return tops::guard("tops_layernorm", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    LayerNormArgs a{};
    const int64_t d = require_rows_in_out(c, x, y, a.x, a.y);
    a.has_weight = optional_vector(c, weight, "weight", d, a.weight);
    a.has_bias = optional_vector(c, bias, "bias", d, a.bias);
    require_eps(eps);
    a.eps = eps;
    dispatch<LayerNormOp>(c, a, [](tops_context& cc, const LayerNormArgs& aa) {
      if (cc.cpu_path == TOPS_CPU_PATH_REFERENCE) layernorm_ref(cc, aa);
      else layernorm_cpu(cc, aa);
    });
  });
}

}  // extern "C"
