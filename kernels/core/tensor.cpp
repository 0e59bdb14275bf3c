// Tensor descriptor helpers (tensor.h).
#include "core/guard.h"
#include "tensor_ops/tensor.h"

extern "C" {

TOPS_API size_t tops_dtype_size(tops_dtype dtype) {
  switch (dtype) {
    case TOPS_F32: return 4;
    case TOPS_F16: return 2;
    case TOPS_BF16: return 2;
    case TOPS_I32: return 4;
    default: return 0;
  }
}

TOPS_API const char* tops_dtype_name(tops_dtype dtype) {
  switch (dtype) {
    case TOPS_F32: return "f32";
    case TOPS_F16: return "f16";
    case TOPS_BF16: return "bf16";
    case TOPS_I32: return "i32";
    default: return "unknown";
  }
}

TOPS_API tops_status tops_tensor_init(tops_tensor* out, void* data, tops_dtype dtype, tops_device device,
                                      int32_t ndim, const int64_t* shape) {
  return tops::guard("tops_tensor_init", [&] {
    if (out == nullptr) tops::fail(TOPS_ERR_NULL_POINTER, "out is NULL");
    if (ndim < 0 || ndim > TOPS_MAX_DIMS)
      tops::fail(TOPS_ERR_INVALID_ARG, "ndim " + std::to_string(ndim) + " outside 0.." + std::to_string(TOPS_MAX_DIMS));
    if (ndim > 0 && shape == nullptr) tops::fail(TOPS_ERR_NULL_POINTER, "shape is NULL");
    if (tops_dtype_size(dtype) == 0) tops::fail(TOPS_ERR_DTYPE, "unknown dtype " + std::to_string(dtype));
    tops_tensor t{};
    t.data = data;
    t.dtype = dtype;
    t.device = device;
    t.ndim = ndim;
    int64_t stride = 1;
    for (int32_t d = ndim - 1; d >= 0; --d) {
      if (shape[d] < 0)
        tops::fail(TOPS_ERR_INVALID_ARG, "dimension " + std::to_string(d) + " is negative (" + std::to_string(shape[d]) + ")");
      t.shape[d] = shape[d];
      t.strides[d] = stride;
      stride *= shape[d];
    }
    *out = t;
  });
}

TOPS_API int64_t tops_tensor_numel(const tops_tensor* t) {
  if (t == nullptr) return 0;
  int64_t n = 1;
  for (int32_t d = 0; d < t->ndim; ++d) n *= t->shape[d];
  return n;
}

TOPS_API int tops_tensor_is_contiguous(const tops_tensor* t) {
  if (t == nullptr) return 0;
  int64_t expected = 1;
  for (int32_t d = t->ndim - 1; d >= 0; --d) {
    if (t->shape[d] != 1 && t->strides[d] != expected) return 0;
    expected *= t->shape[d];
  }
  return 1;
}

}  // extern "C"
