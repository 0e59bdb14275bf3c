// Grow-only scratch slots.
#include "pio/sdk/layers/workspace.h"

#include <vector>

namespace pio::sdk {

ops::Tensor Workspace::f32(std::string_view slot, std::initializer_list<int64_t> shape) {
  return make(slot, ops::DType::F32, shape);
}

ops::Tensor Workspace::i32(std::string_view slot, std::initializer_list<int64_t> shape) {
  return make(slot, ops::DType::I32, shape);
}

ops::Tensor Workspace::make(std::string_view slot, ops::DType dtype,
                            std::initializer_list<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  auto it = slots_.find(std::string(slot));
  if (it == slots_.end()) it = slots_.emplace(std::string(slot), std::vector<uint32_t>()).first;
  if (it->second.size() < static_cast<size_t>(n)) it->second.resize(static_cast<size_t>(n));
  std::vector<int64_t> dims(shape);
  return ops::Tensor(it->second.data(), dtype, dims);
}

size_t Workspace::bytes() const noexcept {
  size_t total = 0;
  for (const auto& [name, storage] : slots_) total += storage.size() * sizeof(uint32_t);
  return total;
}

}  // namespace pio::sdk
