// Reading one element of an f32/bf16/f16 tensor as float (host code, scalar paths and references).
#pragma once

#include <cstdint>

#include "core/half.h"
#include "tensor_ops/tensor.h"

namespace tops {

// Element i (in elements from `data`) of a float-like tensor of dtype `dtype`, as float.
inline float load_f32(const void* data, tops_dtype dtype, int64_t i) {
  switch (dtype) {
    case TOPS_BF16: return bf16_to_f32(static_cast<const uint16_t*>(data)[i]);
    case TOPS_F16: return f16_to_f32(static_cast<const uint16_t*>(data)[i]);
    default: return static_cast<const float*>(data)[i];
  }
}

// Byte pointer to element offset `elements` of a tensor's data.
inline const void* element_ptr(const tops_tensor& t, int64_t elements) {
  return static_cast<const char*>(t.data) + elements * static_cast<int64_t>(tops_dtype_size(t.dtype));
}
inline void* element_ptr(tops_tensor& t, int64_t elements) {
  return static_cast<char*>(t.data) + elements * static_cast<int64_t>(tops_dtype_size(t.dtype));
}

}  // namespace tops
