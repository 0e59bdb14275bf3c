// Deterministic, fast pseudo-random tensor values for generated checkpoints.
//
// Values depend only on (seed, tensor name, element index): each block of kBlockElements
// elements has its own generator seeded from those, so the bytes are identical whatever the
// chunking of the writer or the number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "pio/sdk/safetensors.h"

namespace pio::gen {

inline constexpr uint64_t kBlockElements = 1u << 16;

struct FillParams {
  uint64_t seed = 0;
  double mean = 0.0;  // values are mean + std * z, z ~ approximately N(0, 1)
  double std = 0.02;
};

// 64-bit hash of a tensor name (FNV-1a), mixed into the per-block seeds.
uint64_t name_hash(std::string_view name) noexcept;

// Fills `out` (bytes of a kF32/kBF16/kF16 tensor, starting at element `first_element`, which
// must be a multiple of kBlockElements, and holding whole elements) using up to `threads`
// threads. Throws kInvalidArgument for other dtypes or a misaligned start.
void fill_random(std::span<std::byte> out, DType dtype, uint64_t first_element, uint64_t name_seed,
                 const FillParams& params, unsigned threads);

// float -> bf16 bits with round-to-nearest-even (NaN kept quiet).
uint16_t float_to_bf16(float value) noexcept;
// float -> IEEE half bits with round-to-nearest-even (overflow to inf).
uint16_t float_to_f16(float value) noexcept;

}  // namespace pio::gen
