// Checkpoint tensors as kernel tensors: zero-copy views of the mmap'ed safetensors data, in the
// checkpoint's own dtype (a bf16 checkpoint stays bf16 in memory; kernels widen in registers).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "pio/sdk/checkpoint.h"
#include "tensor_ops/tensor_ops.hpp"

namespace pio::sdk {

// A float tensor (f32, bf16 or f16) of the checkpoint with exactly `shape`.
// Throws pio::Error naming the tensor when it is missing, misshaped or not a float dtype.
// The view lives as long as the Checkpoint.
ops::Tensor weight(const Checkpoint& checkpoint, std::string_view name,
                   std::initializer_list<int64_t> shape);

// As weight(), or an empty tensor (numel() == 0, data null) when the tensor is absent.
ops::Tensor optional_weight(const Checkpoint& checkpoint, std::string_view name,
                            std::initializer_list<int64_t> shape);

// True for a tensor made by optional_weight() for an absent name.
inline bool is_present(const ops::Tensor& tensor) { return tensor.raw() != nullptr; }

}  // namespace pio::sdk
