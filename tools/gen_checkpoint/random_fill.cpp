// Block-seeded random fills. The normal approximation is Irwin-Hall with four 16-bit uniforms
// from one 64-bit draw: cheap (600M values in about a second per core) and bell-shaped enough
// for weights whose only job is to keep a forward pass finite and non-degenerate.
#include "random_fill.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "pio/sdk/error.h"

namespace pio::gen {

namespace {

uint64_t splitmix64(uint64_t& state) noexcept {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// xoshiro256** — fast, good statistical quality.
struct Xoshiro {
  uint64_t s[4];
  explicit Xoshiro(uint64_t seed) {
    for (auto& x : s) x = splitmix64(seed);
  }
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() noexcept {
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
};

// Sum of four U(0,1) has mean 2 and variance 1/3.
inline float approx_normal(uint64_t r) noexcept {
  constexpr float kScale = 1.0f / 65536.0f;
  float sum = static_cast<float>(r & 0xffff) + static_cast<float>((r >> 16) & 0xffff) +
              static_cast<float>((r >> 32) & 0xffff) + static_cast<float>(r >> 48);
  return (sum * kScale + 2.0f * kScale - 2.0f) * 1.7320508f;  // + half-step centring, * sqrt(3)
}

void fill_block(std::byte* out, uint64_t count, DType dtype, uint64_t block_seed, float mean, float std) {
  Xoshiro rng(block_seed);
  for (uint64_t i = 0; i < count; ++i) {
    float v = mean + std * approx_normal(rng.next());
    switch (dtype) {
      case DType::kF32: std::memcpy(out + 4 * i, &v, 4); break;
      case DType::kBF16: {
        uint16_t b = float_to_bf16(v);
        std::memcpy(out + 2 * i, &b, 2);
        break;
      }
      default: {
        uint16_t h = float_to_f16(v);
        std::memcpy(out + 2 * i, &h, 2);
        break;
      }
    }
  }
}

}  // namespace

uint64_t name_hash(std::string_view name) noexcept {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

uint16_t float_to_bf16(float value) noexcept {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // quiet NaN
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

uint16_t float_to_f16(float value) noexcept {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  x &= 0x7fffffffu;
  if (x > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);
  if (x >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to >= 65520: inf
  if (x < 0x38800000u) {                                               // subnormal or zero in half
    float f;
    std::memcpy(&f, &x, 4);
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(std::nearbyint(f * 16777216.0f)));
  }
  uint32_t mant_odd = (x >> 13) & 1u;
  x += 0xc8000fffu + mant_odd;  // rebias exponent (-112 << 23) and round to nearest even
  return static_cast<uint16_t>(sign | (x >> 13));
}

void fill_random(std::span<std::byte> out, DType dtype, uint64_t first_element, uint64_t name_seed,
                 const FillParams& params, unsigned threads) {
  if (dtype != DType::kF32 && dtype != DType::kBF16 && dtype != DType::kF16) {
    throw_error(ErrorCode::kInvalidArgument, "random fill supports F32/BF16/F16, not {}", dtype_name(dtype));
  }
  const uint64_t elem = dtype_size(dtype);
  if (first_element % kBlockElements != 0 || out.size() % elem != 0) {
    throw_error(ErrorCode::kInvalidArgument, "random fill must start at a block boundary and hold whole elements");
  }
  const uint64_t count = out.size() / elem;
  const uint64_t blocks = (count + kBlockElements - 1) / kBlockElements;
  const float mean = static_cast<float>(params.mean), std = static_cast<float>(params.std);
  auto work = [&](uint64_t begin_block, uint64_t end_block) {
    for (uint64_t b = begin_block; b < end_block; ++b) {
      uint64_t global_block = first_element / kBlockElements + b;
      uint64_t state = params.seed ^ name_seed;
      uint64_t block_seed = splitmix64(state) ^ (global_block * 0x9e3779b97f4a7c15ull);
      uint64_t n = std::min<uint64_t>(kBlockElements, count - b * kBlockElements);
      fill_block(out.data() + b * kBlockElements * elem, n, dtype, block_seed, mean, std);
    }
  };
  const unsigned t = static_cast<unsigned>(std::clamp<uint64_t>(threads, 1, std::max<uint64_t>(blocks, 1)));
  if (t <= 1) {
    work(0, blocks);
    return;
  }
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < t; ++i) pool.emplace_back(work, blocks * i / t, blocks * (i + 1) / t);
  for (auto& th : pool) th.join();
}

}  // namespace pio::gen
