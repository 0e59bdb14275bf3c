// Entry points of tops_argmax / tops_topk (tensor_ops/topk.h).
#include "core/dispatch.h"
#include "core/guard.h"
#include "core/validate.h"
#include "tensor_ops/topk.h"
#include "topk/topk_impl.h"

namespace tops {
namespace {
// x is [rows, n] or [n]; returns rows/n/stride.
Rows logits_rows(const tops_tensor& x) {
  if (x.ndim != 1 && x.ndim != 2) fail(TOPS_ERR_SHAPE_MISMATCH, "x must be [n] or [rows, n], got " + shape_string(x));
  require_inner_contiguous(x, "x");
  Rows r = flatten_rows(x, "x");
  if (r.cols < 1) fail(TOPS_ERR_SHAPE_MISMATCH, "x's last dimension is empty");
  return r;
}
void require_output(const tops_tensor& t, const char* name, const tops_tensor& x, int64_t rows, int64_t k) {
  if (x.ndim == 1) {
    require_ndim(t, name, 1);
    require_dim(t, name, 0, k, "one row");
  } else {
    require_ndim(t, name, k < 0 ? 1 : 2);
    require_dim(t, name, 0, rows, "x's rows");
    if (k >= 0) require_dim(t, name, 1, k, "k");
  }
  require_contiguous(t, name);
}
}  // namespace
}  // namespace tops

extern "C" {

TOPS_API tops_status tops_argmax(tops_context* ctx, const tops_tensor* x, tops_tensor* indices) {
  return tops::guard("tops_argmax", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    const tops_tensor& xt = require_tensor(c, x, "x", {TOPS_F32});
    const tops_tensor& it = require_tensor(c, indices, "indices", {TOPS_I32});
    const Rows r = logits_rows(xt);
    if (xt.ndim == 1) require_output(it, "indices", xt, 1, 1);
    else require_output(it, "indices", xt, r.rows, -1);
    ArgmaxArgs a{static_cast<const float*>(xt.data), r.row_stride, r.rows, r.cols, static_cast<int32_t*>(it.data)};
    if (a.rows == 0) return;
    dispatch<ArgmaxOp>(c, a, argmax_cpu);
  });
}

TOPS_API tops_status tops_topk(tops_context* ctx, const tops_tensor* x, int32_t k, tops_tensor* values,
                               tops_tensor* indices) {
  return tops::guard("tops_topk", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    const tops_tensor& xt = require_tensor(c, x, "x", {TOPS_F32});
    const tops_tensor& it = require_tensor(c, indices, "indices", {TOPS_I32});
    const tops_tensor* vt = optional_tensor(c, values, "values", {TOPS_F32});
    const Rows r = logits_rows(xt);
    if (k < 1 || k > r.cols)
      fail(TOPS_ERR_INVALID_ARG, "k = " + std::to_string(k) + " outside 1.." + std::to_string(r.cols));
    require_output(it, "indices", xt, r.rows, k);
    if (vt) require_output(*vt, "values", xt, r.rows, k);
    TopkArgs a{static_cast<const float*>(xt.data), r.row_stride, r.rows, r.cols, k,
               vt ? static_cast<float*>(vt->data) : nullptr, static_cast<int32_t*>(it.data)};
    if (a.rows == 0) return;
    dispatch<TopkOp>(c, a, topk_cpu);
  });
}

}  // extern "C"
