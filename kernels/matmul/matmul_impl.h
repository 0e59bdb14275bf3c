// Internal declarations of tops_linear (public API: tensor_ops/matmul.h). The entry point
// validates the descriptors and flattens them into LinearArgs; backends never see a tops_tensor.
// CUDA registers with TOPS_REGISTER_CUDA_KERNEL(tops::LinearOp, linear_cuda).
#pragma once

#include <cstdint>

#include "core/context_impl.h"
#include "tensor_ops/tensor.h"

namespace tops {

struct LinearArgs {
  const float* x;        // [rows, in], row r at x + r * x_stride
  int64_t x_stride;
  const void* w;         // [out, in] of w_dtype, row o at w + o * w_stride (elements)
  tops_dtype w_dtype;    // F32 / BF16 / F16
  int64_t w_stride;
  const void* bias;      // [out] contiguous of bias_dtype, or nullptr
  tops_dtype bias_dtype;
  float* y;              // [rows, out], row r at y + r * y_stride
  int64_t y_stride;
  int64_t rows, in, out;
};

struct LinearOp {
  using Fn = void(tops_context&, const LinearArgs&);
};

void linear_ref(tops_context& ctx, const LinearArgs& args);
void linear_cpu(tops_context& ctx, const LinearArgs& args);

}  // namespace tops
