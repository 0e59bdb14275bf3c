// Entry points of the elementwise family (tensor_ops/elementwise.h).
#include "core/dispatch.h"
#include "core/guard.h"
#include "core/validate.h"
#include "elementwise/elementwise_impl.h"
#include "tensor_ops/elementwise.h"

namespace tops {
namespace {

void run_binary(tops_context* ctx, BinaryKind kind, const tops_tensor* a, const tops_tensor* b, tops_tensor* y) {
  tops_context& c = require_context(ctx);
  BinaryArgs args{};
  args.kind = kind;
  args.a = require_tensor(c, a, "a", {TOPS_F32});
  args.b = require_tensor(c, b, "b", {TOPS_F32});
  args.y = require_tensor(c, y, "y", {TOPS_F32});
  require_same_shape(args.a, "a", args.y, "y");
  require_inner_contiguous(args.a, "a");
  require_inner_contiguous(args.y, "y");
  bool same = args.a.ndim == args.b.ndim;
  for (int32_t d = 0; same && d < args.a.ndim; ++d) same = args.a.shape[d] == args.b.shape[d];
  if (same) {
    require_inner_contiguous(args.b, "b");
  } else {
    // b must equal a's trailing dimensions (bias-style broadcast) and be contiguous.
    bool suffix = args.b.ndim <= args.a.ndim;
    for (int32_t d = 0; suffix && d < args.b.ndim; ++d)
      suffix = args.b.shape[d] == args.a.shape[args.a.ndim - args.b.ndim + d];
    if (!suffix)
      fail(TOPS_ERR_SHAPE_MISMATCH, "b " + shape_string(args.b) + " is neither a's shape " + shape_string(args.a) +
                                        " nor its trailing dimensions");
    require_contiguous(args.b, "b (broadcast)");
    args.broadcast = true;
  }
  if (tops_tensor_numel(&args.a) == 0) return;
  dispatch<BinaryOp>(c, args, [](tops_context& cc, const BinaryArgs& aa) {
    if (cc.cpu_path == TOPS_CPU_PATH_REFERENCE) binary_ref(cc, aa);
    else binary_cpu(cc, aa);
  });
}

}  // namespace
}  // namespace tops

extern "C" {

TOPS_API tops_status tops_add(tops_context* ctx, const tops_tensor* a, const tops_tensor* b, tops_tensor* y) {
  return tops::guard("tops_add", [&] { tops::run_binary(ctx, tops::BinaryKind::kAdd, a, b, y); });
}

TOPS_API tops_status tops_mul(tops_context* ctx, const tops_tensor* a, const tops_tensor* b, tops_tensor* y) {
  return tops::guard("tops_mul", [&] { tops::run_binary(ctx, tops::BinaryKind::kMul, a, b, y); });
}

TOPS_API tops_status tops_scale(tops_context* ctx, const tops_tensor* x, float scale, tops_tensor* y) {
  return tops::guard("tops_scale", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    ScaleArgs a{require_tensor(c, x, "x", {TOPS_F32}), require_tensor(c, y, "y", {TOPS_F32}), scale};
    require_same_shape(a.x, "x", a.y, "y");
    require_inner_contiguous(a.x, "x");
    require_inner_contiguous(a.y, "y");
    if (tops_tensor_numel(&a.x) == 0) return;
    dispatch<ScaleOp>(c, a, [](tops_context& cc, const ScaleArgs& aa) {
      if (cc.cpu_path == TOPS_CPU_PATH_REFERENCE) scale_ref(cc, aa);
      else scale_cpu(cc, aa);
    });
  });
}

TOPS_API tops_status tops_copy(tops_context* ctx, const tops_tensor* src, tops_tensor* dst) {
  return tops::guard("tops_copy", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    CopyArgs a{require_tensor(c, src, "src", {TOPS_F32, TOPS_BF16, TOPS_F16, TOPS_I32}),
               require_tensor(c, dst, "dst", {TOPS_F32, TOPS_BF16, TOPS_F16, TOPS_I32})};
    require_same_shape(a.src, "src", a.dst, "dst");
    if ((a.src.dtype == TOPS_I32) != (a.dst.dtype == TOPS_I32))
      fail(TOPS_ERR_DTYPE, std::string("cannot convert ") + tops_dtype_name(a.src.dtype) + " to " + tops_dtype_name(a.dst.dtype));
    if (tops_tensor_numel(&a.src) == 0) return;
    dispatch<CopyOp>(c, a, copy_cpu);
  });
}

}  // extern "C"
