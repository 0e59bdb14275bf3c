// The KV cache of a session: per layer, keys [capacity, n_kv_heads, k_dim] and values
// [capacity, n_kv_heads, v_dim], f32.
//
// Memory is reserved for the whole context up front but committed by the OS page by page as
// positions are written (an anonymous mapping), so a 40k-token context costs address space,
// not RAM, until it is used. bytes_reserved() is what a full context would occupy; callers report
// it before creating the cache.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor_ops/tensor_ops.hpp"

namespace pio::sdk {

struct KvCacheShape {
  int64_t n_layers = 0;
  int64_t capacity = 0;  // positions
  int64_t n_kv_heads = 0;
  int64_t k_dim = 0;
  int64_t v_dim = 0;

  // Bytes of a full cache of this shape.
  size_t bytes() const noexcept;
};

class KvCache {
 public:
  // Throws pio::Error(kOutOfMemory) when the address space cannot be reserved, and
  // kInvalidArgument for a non-positive dimension.
  explicit KvCache(const KvCacheShape& shape);
  ~KvCache();
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  const KvCacheShape& shape() const noexcept { return shape_; }
  int64_t capacity() const noexcept { return shape_.capacity; }
  size_t bytes_reserved() const noexcept { return bytes_; }

  // [capacity, n_kv_heads, k_dim] and [capacity, n_kv_heads, v_dim] of `layer`.
  ops::Tensor keys(int64_t layer) const;
  ops::Tensor values(int64_t layer) const;

 private:
  KvCacheShape shape_;
  size_t bytes_ = 0;
  float* base_ = nullptr;
};

}  // namespace pio::sdk
