// Internal declarations of tops_argmax / tops_topk (tensor_ops/topk.h). CUDA: ArgmaxOp, TopkOp.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/context_impl.h"
#include "tensor_ops/tensor.h"

namespace tops {

// Validated and flattened: rows of n floats at x + r * x_stride; outputs contiguous
// [rows] (argmax) or [rows, k] (topk); values may be null for topk.
struct ArgmaxArgs {
  const float* x;
  int64_t x_stride, rows, n;
  int32_t* indices;
};
struct TopkArgs {
  const float* x;
  int64_t x_stride, rows, n;
  int32_t k;
  float* values;  // nullable
  int32_t* indices;
};
struct ArgmaxOp {
  using Fn = void(tops_context&, const ArgmaxArgs&);
};
struct TopkOp {
  using Fn = void(tops_context&, const TopkArgs&);
};

// Total order used by both: NaN above everything, then larger value, then lower index.
inline bool ranks_before(float a, int64_t ia, float b, int64_t ib) {
  const bool na = std::isnan(a), nb = std::isnan(b);
  if (na != nb) return na;
  if (!na && a != b) return a > b;
  return ia < ib;
}

// Selection is exact, so one implementation serves as reference and CPU path.
void argmax_cpu(tops_context&, const ArgmaxArgs&);
void topk_cpu(tops_context&, const TopkArgs&);

}  // namespace tops
