// Zero-copy conversion of checkpoint views into kernel tensor descriptors.
#include "pio/sdk/layers/weights.h"

#include <vector>

#include "pio/sdk/error.h"

namespace pio::sdk {
namespace {

ops::DType kernel_dtype(const TensorView& view) {
  switch (view.dtype) {
    case DType::kF32: return ops::DType::F32;
    case DType::kBF16: return ops::DType::BF16;
    case DType::kF16: return ops::DType::F16;
    default:
      throw_error(ErrorCode::kBadFormat, "{}: tensor '{}' has dtype {}, expected F32, BF16 or F16",
                  view.file, view.name, dtype_name(view.dtype));
  }
}

ops::Tensor to_kernel_tensor(const TensorView& view) {
  // Kernels read weights through const descriptors; the mapping itself is read-only.
  return ops::Tensor(const_cast<std::byte*>(view.data), kernel_dtype(view), view.shape);
}

}  // namespace

ops::Tensor weight(const Checkpoint& checkpoint, std::string_view name,
                   std::initializer_list<int64_t> shape) {
  return to_kernel_tensor(checkpoint.require(name, shape));
}

ops::Tensor optional_weight(const Checkpoint& checkpoint, std::string_view name,
                            std::initializer_list<int64_t> shape) {
  if (!checkpoint.has(name)) return ops::Tensor();
  return weight(checkpoint, name, shape);
}

}  // namespace pio::sdk
