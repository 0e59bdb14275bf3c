// Scratch activations of a session, reused across eval calls: named slots that only grow.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tensor_ops/tensor_ops.hpp"

namespace pio::sdk {

class Workspace {
 public:
  // A contiguous f32 (or i32) tensor of `shape` backed by slot `slot`. Different slots never
  // alias. A tensor stays valid until the same slot is requested again with a larger size.
  ops::Tensor f32(std::string_view slot, std::initializer_list<int64_t> shape);
  ops::Tensor i32(std::string_view slot, std::initializer_list<int64_t> shape);

  // Bytes held by all slots.
  size_t bytes() const noexcept;

 private:
  ops::Tensor make(std::string_view slot, ops::DType dtype, std::initializer_list<int64_t> shape);

  // 4-byte elements for both dtypes: one storage type keeps the code simple.
  std::unordered_map<std::string, std::vector<uint32_t>> slots_;
};

}  // namespace pio::sdk
