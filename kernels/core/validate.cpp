// Argument checks (validate.h).
#include "core/validate.h"

#include <algorithm>

#include "core/error.h"

namespace tops {

std::string shape_string(const tops_tensor& t) {
  std::string s = "[";
  for (int32_t d = 0; d < t.ndim; ++d) {
    if (d > 0) s += ", ";
    s += std::to_string(t.shape[d]);
  }
  return s + "]";
}

tops_context& require_context(tops_context* ctx) {
  if (ctx == nullptr) fail(TOPS_ERR_NULL_POINTER, "context is NULL");
  return *ctx;
}

static const char* device_name(tops_device d) {
  return d == TOPS_DEVICE_CPU ? "CPU" : d == TOPS_DEVICE_CUDA ? "CUDA" : "unknown device";
}

const tops_tensor* optional_tensor(const tops_context& ctx, const tops_tensor* t, const char* name,
                                   std::initializer_list<tops_dtype> dtypes) {
  if (t == nullptr) return nullptr;
  const std::string n = name;
  if (t->ndim < 0 || t->ndim > TOPS_MAX_DIMS)
    fail(TOPS_ERR_SHAPE_MISMATCH, n + " has invalid ndim " + std::to_string(t->ndim));
  if (t->reserved != 0) fail(TOPS_ERR_INVALID_ARG, n + ".reserved must be 0 (uninitialised descriptor?)");
  if (std::find(dtypes.begin(), dtypes.end(), t->dtype) == dtypes.end()) {
    std::string allowed;
    for (tops_dtype d : dtypes) {
      if (!allowed.empty()) allowed.push_back('/');
      allowed.append(tops_dtype_name(d));
    }
    fail(TOPS_ERR_DTYPE, n + " has dtype " + tops_dtype_name(t->dtype) + " (" + std::to_string(t->dtype) +
                             "), expected " + allowed);
  }
  if (t->device != ctx.device)
    fail(TOPS_ERR_DEVICE_MISMATCH,
         n + " is on " + device_name(t->device) + " but the context is " + device_name(ctx.device));
  int64_t numel = 1;
  for (int32_t d = 0; d < t->ndim; ++d) {
    if (t->shape[d] < 0) fail(TOPS_ERR_SHAPE_MISMATCH, n + " has a negative dimension " + shape_string(*t));
    if (t->strides[d] < 0) fail(TOPS_ERR_UNSUPPORTED, n + " has a negative stride");
    numel *= t->shape[d];
  }
  if (t->data == nullptr && numel > 0) fail(TOPS_ERR_NULL_POINTER, n + "->data is NULL");
  return t;
}

const tops_tensor& require_tensor(const tops_context& ctx, const tops_tensor* t, const char* name,
                                  std::initializer_list<tops_dtype> dtypes) {
  if (t == nullptr) fail(TOPS_ERR_NULL_POINTER, std::string(name) + " is NULL");
  return *optional_tensor(ctx, t, name, dtypes);
}

void require_ndim(const tops_tensor& t, const char* name, int32_t ndim) {
  if (t.ndim != ndim)
    fail(TOPS_ERR_SHAPE_MISMATCH, std::string(name) + " must have " + std::to_string(ndim) + " dimensions, got " +
                                      shape_string(t));
}

void require_min_ndim(const tops_tensor& t, const char* name, int32_t min_ndim) {
  if (t.ndim < min_ndim)
    fail(TOPS_ERR_SHAPE_MISMATCH, std::string(name) + " must have at least " + std::to_string(min_ndim) +
                                      " dimension(s), got " + shape_string(t));
}

void require_dim(const tops_tensor& t, const char* name, int32_t dim, int64_t value, const std::string& what) {
  if (dim < 0) dim += t.ndim;
  if (dim < 0 || dim >= t.ndim || t.shape[dim] != value)
    fail(TOPS_ERR_SHAPE_MISMATCH, std::string(name) + " " + shape_string(t) + ": dimension " + std::to_string(dim) +
                                      " must be " + std::to_string(value) + " (" + what + ")");
}

void require_same_shape(const tops_tensor& a, const char* a_name, const tops_tensor& b, const char* b_name) {
  bool same = a.ndim == b.ndim;
  for (int32_t d = 0; same && d < a.ndim; ++d) same = a.shape[d] == b.shape[d];
  if (!same)
    fail(TOPS_ERR_SHAPE_MISMATCH, std::string(b_name) + " has shape " + shape_string(b) + " but " + a_name +
                                      " has shape " + shape_string(a));
}

void require_inner_contiguous(const tops_tensor& t, const char* name) {
  if (t.ndim > 0 && t.shape[t.ndim - 1] > 1 && t.strides[t.ndim - 1] != 1)
    fail(TOPS_ERR_UNSUPPORTED, std::string(name) + ": the innermost dimension must be contiguous (stride 1), got stride " +
                                   std::to_string(t.strides[t.ndim - 1]));
}

void require_contiguous(const tops_tensor& t, const char* name) {
  if (!tops_tensor_is_contiguous(&t))
    fail(TOPS_ERR_UNSUPPORTED, std::string(name) + " must be contiguous (row-major)");
}

Rows flatten_rows(const tops_tensor& t, const char* name) {
  Rows r{1, t.ndim > 0 ? t.shape[t.ndim - 1] : 1, 0};
  if (t.ndim <= 1) {
    r.row_stride = r.cols;
    return r;
  }
  // Walk the leading dims from the inside out; each must step by (inner extent * inner stride).
  int64_t stride = -1;
  for (int32_t d = t.ndim - 2; d >= 0; --d) {
    r.rows *= t.shape[d];
    if (t.shape[d] == 1) continue;
    if (stride < 0) {
      stride = t.strides[d];
    } else {
      // Dimension d must be stride * (extent of dims inside it, among leading dims).
      int64_t inner = 1;
      for (int32_t e = d + 1; e <= t.ndim - 2; ++e) inner *= t.shape[e];
      if (t.strides[d] != stride * inner)
        fail(TOPS_ERR_UNSUPPORTED, std::string(name) + " " + shape_string(t) +
                                       ": leading dimensions cannot be flattened into rows with one stride");
    }
  }
  r.row_stride = stride < 0 ? r.cols : stride;
  return r;
}

}  // namespace tops
