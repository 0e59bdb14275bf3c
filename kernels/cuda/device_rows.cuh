// Device-side row addressing for ops over the last dimension of a strided tensor (the CUDA twin
// of core/rows.h): leading dims with arbitrary strides, innermost dim contiguous.
#pragma once

#include <cstdint>

#include "tensor_ops/tensor.h"

namespace tops::cuda {

struct DeviceRows {
  int32_t n_lead = 0;
  int64_t rows = 1;
  int64_t shape[TOPS_MAX_DIMS] = {};
  int64_t strides[TOPS_MAX_DIMS] = {};

  // Host: from a validated descriptor.
  static DeviceRows of(const tops_tensor& t) {
    DeviceRows r;
    r.n_lead = t.ndim > 0 ? t.ndim - 1 : 0;
    for (int32_t d = 0; d < r.n_lead; ++d) {
      r.shape[d] = t.shape[d];
      r.strides[d] = t.strides[d];
      r.rows *= t.shape[d];
    }
    return r;
  }

  // Element offset of row `row`.
  __host__ __device__ int64_t offset(int64_t row) const {
    int64_t off = 0;
    for (int32_t d = n_lead - 1; d >= 0; --d) {
      off += (row % shape[d]) * strides[d];
      row /= shape[d];
    }
    return off;
  }
};

}  // namespace tops::cuda
