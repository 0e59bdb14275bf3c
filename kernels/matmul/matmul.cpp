// Entry point of tops_linear (tensor_ops/matmul.h): validation, flattening, backend dispatch.
#include "core/dispatch.h"
#include "core/guard.h"
#include "core/validate.h"
#include "matmul/matmul_impl.h"
#include "tensor_ops/matmul.h"

extern "C" TOPS_API tops_status tops_linear(tops_context* ctx, const tops_tensor* x, const tops_tensor* weight,
                                            const tops_tensor* bias, tops_tensor* y) {
  return tops::guard("tops_linear", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    const tops_tensor& xt = require_tensor(c, x, "x", {TOPS_F32});
    const tops_tensor& wt = require_tensor(c, weight, "weight", {TOPS_F32, TOPS_BF16, TOPS_F16});
    const tops_tensor& yt = require_tensor(c, y, "y", {TOPS_F32});
    const tops_tensor* bt = optional_tensor(c, bias, "bias", {TOPS_F32, TOPS_BF16, TOPS_F16});
    require_ndim(wt, "weight", 2);
    require_min_ndim(xt, "x", 1);
    const int64_t out = wt.shape[0], in = wt.shape[1];
    require_dim(xt, "x", -1, in, "weight's input dimension (weight is [out, in])");
    require_min_ndim(yt, "y", 1);
    require_dim(yt, "y", -1, out, "weight's output dimension (weight is [out, in])");
    if (yt.ndim != xt.ndim) fail(TOPS_ERR_SHAPE_MISMATCH, "y " + shape_string(yt) + " and x " + shape_string(xt) + " differ in rank");
    for (int32_t d = 0; d + 1 < xt.ndim; ++d)
      if (xt.shape[d] != yt.shape[d])
        fail(TOPS_ERR_SHAPE_MISMATCH, "y " + shape_string(yt) + " must have x's leading shape " + shape_string(xt));
    require_inner_contiguous(xt, "x");
    require_inner_contiguous(wt, "weight");
    require_inner_contiguous(yt, "y");
    if (bt != nullptr) {
      require_ndim(*bt, "bias", 1);
      require_dim(*bt, "bias", 0, out, "weight's output dimension");
      require_inner_contiguous(*bt, "bias");
    }
    const Rows xr = flatten_rows(xt, "x");
    const Rows yr = flatten_rows(yt, "y");
    LinearArgs a{};
    a.x = static_cast<const float*>(xt.data);
    a.x_stride = xr.row_stride;
    a.w = wt.data;
    a.w_dtype = wt.dtype;
    a.w_stride = out > 1 ? wt.strides[0] : in;
    a.bias = bt ? bt->data : nullptr;
    a.bias_dtype = bt ? bt->dtype : TOPS_F32;
    a.y = static_cast<float*>(yt.data);
    a.y_stride = yr.row_stride;
    a.rows = xr.rows;
    a.in = in;
    a.out = out;
    if (a.rows == 0 || a.out == 0) return;
    dispatch<LinearOp>(c, a, [](tops_context& cc, const LinearArgs& aa) {
      if (cc.cpu_path == TOPS_CPU_PATH_REFERENCE) linear_ref(cc, aa);
      else linear_cpu(cc, aa);
    });
  });
}
