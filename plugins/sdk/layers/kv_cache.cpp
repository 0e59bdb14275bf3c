// KV cache storage: one anonymous mapping, committed lazily by the OS as positions are written.
#include "pio/sdk/layers/kv_cache.h"

#include <sys/mman.h>

#include "pio/sdk/error.h"

namespace pio::sdk {

size_t KvCacheShape::bytes() const noexcept {
  return static_cast<size_t>(n_layers) * static_cast<size_t>(capacity) *
         static_cast<size_t>(n_kv_heads) * static_cast<size_t>(k_dim + v_dim) * sizeof(float);
}

KvCache::KvCache(const KvCacheShape& shape) : shape_(shape), bytes_(shape.bytes()) {
  if (shape.n_layers <= 0 || shape.capacity <= 0 || shape.n_kv_heads <= 0 || shape.k_dim <= 0 ||
      shape.v_dim <= 0) {
    throw_error(ErrorCode::kInvalidArgument,
                "KV cache: every dimension must be positive (layers {}, capacity {}, kv heads {}, "
                "k dim {}, v dim {})",
                shape.n_layers, shape.capacity, shape.n_kv_heads, shape.k_dim, shape.v_dim);
  }
  // MAP_NORESERVE: pages are only backed once written, so an unused context costs nothing.
  void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    throw_error(ErrorCode::kOutOfMemory, "KV cache: cannot reserve {:.1f} MiB for {} positions",
                static_cast<double>(bytes_) / (1024.0 * 1024.0), shape.capacity);
  }
  base_ = static_cast<float*>(p);
}

KvCache::~KvCache() {
  if (base_ != nullptr) munmap(base_, bytes_);
}

ops::Tensor KvCache::keys(int64_t layer) const {
  const int64_t layer_floats = shape_.capacity * shape_.n_kv_heads * (shape_.k_dim + shape_.v_dim);
  float* k = base_ + layer * layer_floats;
  int64_t dims[] = {shape_.capacity, shape_.n_kv_heads, shape_.k_dim};
  return ops::Tensor(k, ops::DType::F32, dims);
}

ops::Tensor KvCache::values(int64_t layer) const {
  const int64_t layer_floats = shape_.capacity * shape_.n_kv_heads * (shape_.k_dim + shape_.v_dim);
  float* v = base_ + layer * layer_floats + shape_.capacity * shape_.n_kv_heads * shape_.k_dim;
  int64_t dims[] = {shape_.capacity, shape_.n_kv_heads, shape_.v_dim};
  return ops::Tensor(v, ops::DType::F32, dims);
}

}  // namespace pio::sdk
