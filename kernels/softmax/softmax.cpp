// Entry point of tops_softmax (tensor_ops/softmax.h).
#include "core/dispatch.h"
#include "core/guard.h"
#include "core/validate.h"
#include "softmax/softmax_impl.h"
#include "tensor_ops/softmax.h"

extern "C" TOPS_API tops_status tops_softmax(tops_context* ctx, const tops_tensor* x, tops_tensor* y) {
  return tops::guard("tops_softmax", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    SoftmaxArgs a{require_tensor(c, x, "x", {TOPS_F32}), require_tensor(c, y, "y", {TOPS_F32})};
    require_min_ndim(a.x, "x", 1);
    require_same_shape(a.x, "x", a.y, "y");
    if (a.x.shape[a.x.ndim - 1] < 1) fail(TOPS_ERR_SHAPE_MISMATCH, "x's last dimension is empty");
    require_inner_contiguous(a.x, "x");
    require_inner_contiguous(a.y, "y");
    if (tops_tensor_numel(&a.x) == 0) return;
    dispatch<SoftmaxOp>(c, a, [](tops_context& cc, const SoftmaxArgs& aa) {
      if (cc.cpu_path == TOPS_CPU_PATH_REFERENCE) softmax_ref(cc, aa);
      else softmax_cpu(cc, aa);
    });
  });
}
