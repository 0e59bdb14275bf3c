// Row addressing for ops that work on the last dimension ("rows") of a tensor whose leading
// dimensions may have arbitrary strides (e.g. q heads inside a fused qkv projection output).
#pragma once

#include <cstdint>

#include "tensor_ops/tensor.h"

namespace tops {

class RowIndexer {
 public:
  explicit RowIndexer(const tops_tensor& t) : n_lead_(t.ndim > 0 ? t.ndim - 1 : 0) {
    for (int32_t d = 0; d < n_lead_; ++d) {
      shape_[d] = t.shape[d];
      strides_[d] = t.strides[d];
      rows_ *= t.shape[d];
    }
  }
  int64_t rows() const { return rows_; }
  // Element offset of row r (0 <= r < rows()).
  int64_t offset(int64_t r) const {
    int64_t off = 0;
    for (int32_t d = n_lead_ - 1; d >= 0; --d) {
      off += (r % shape_[d]) * strides_[d];
      r /= shape_[d];
    }
    return off;
  }

 private:
  int32_t n_lead_;
  int64_t rows_ = 1;
  int64_t shape_[TOPS_MAX_DIMS] = {};
  int64_t strides_[TOPS_MAX_DIMS] = {};
};

}  // namespace tops
