// Helpers of the kernel tests: fixed-seed random inputs (never zeros), NaN poisoning of outputs,
// element-wise comparison that prints the first mismatches, the list of CPU paths this machine
// can run, and 16-bit float conversions for building bf16/f16 weights.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tensor_ops/tensor_ops.hpp"
#include "tolerance.h"

namespace tops_test {

using pio::ops::Context;
using pio::ops::DType;
using pio::ops::Tensor;

// Uniform in [-range, -range/100] ∪ [range/100, range]: random sign and magnitude, never ~0.
inline std::vector<float> random_floats(size_t n, std::mt19937& rng, float range = 1.0f) {
  std::uniform_real_distribution<float> mag(0.01f * range, range);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> v(n);
  for (auto& x : v) x = sign(rng) ? mag(rng) : -mag(rng);
  return v;
}

inline std::vector<float> poisoned(size_t n) { return std::vector<float>(n, std::numeric_limits<float>::quiet_NaN()); }

inline uint16_t to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}
inline float from_bf16(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
// Via the compiler's _Float16 (GCC >= 12 on x86-64): an independent check of the library's
// hand-written conversion.
inline uint16_t to_f16(float f) {
  _Float16 h = static_cast<_Float16>(f);
  uint16_t bits;
  std::memcpy(&bits, &h, 2);
  return bits;
}
inline float from_f16(uint16_t bits) {
  _Float16 h;
  std::memcpy(&h, &bits, 2);
  return static_cast<float>(h);
}

// A weight stored as dtype `dtype` (f32/bf16/f16): raw bytes plus the exact f32 values the
// kernel sees after widening (the reference uses these).
struct Weight {
  DType dtype;
  std::vector<uint8_t> bytes;
  std::vector<float> values;
  Tensor tensor(std::initializer_list<int64_t> shape) { return Tensor(bytes.data(), dtype, shape); }
};
inline Weight make_weight(const std::vector<float>& v, DType dtype) {
  Weight w{dtype, {}, {}};
  w.values.resize(v.size());
  if (dtype == DType::F32) {
    w.bytes.resize(v.size() * 4);
    std::memcpy(w.bytes.data(), v.data(), v.size() * 4);
    w.values = v;
  } else {
    w.bytes.resize(v.size() * 2);
    for (size_t i = 0; i < v.size(); ++i) {
      const uint16_t h = dtype == DType::BF16 ? to_bf16(v[i]) : to_f16(v[i]);
      std::memcpy(w.bytes.data() + 2 * i, &h, 2);
      w.values[i] = dtype == DType::BF16 ? from_bf16(h) : from_f16(h);
    }
  }
  return w;
}
inline const char* dtype_name(DType d) { return tops_dtype_name(static_cast<tops_dtype>(d)); }

// Every CPU path this machine can run, reference first.
inline std::vector<tops_cpu_path> cpu_paths() {
  std::vector<tops_cpu_path> paths;
  for (tops_cpu_path p : {TOPS_CPU_PATH_REFERENCE, TOPS_CPU_PATH_SCALAR, TOPS_CPU_PATH_AVX2, TOPS_CPU_PATH_AVX512,
                          TOPS_CPU_PATH_AVX512_BF16})
    if (tops_cpu_path_supported(p)) paths.push_back(p);
  return paths;
}

// Compares element-wise; on failure reports the count and the first few mismatching indices.
// scale (optional): per-element magnitude for the relative term (default |expected|).
inline void require_close(const std::vector<float>& actual, const std::vector<double>& expected, Tolerance tol,
                          const std::string& what, const std::vector<double>* scale = nullptr) {
  REQUIRE(actual.size() == expected.size());
  size_t bad = 0;
  std::ostringstream first;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double s = scale ? (*scale)[i] : std::fabs(expected[i]);
    const double err = std::fabs(static_cast<double>(actual[i]) - expected[i]);
    if (!(err <= tol.abs + tol.rel * s)) {  // also catches NaN
      if (bad < 5)
        first << "  [" << i << "] actual " << actual[i] << " expected " << expected[i] << " (|err| " << err
              << ", allowed " << tol.abs + tol.rel * s << ")\n";
      ++bad;
    }
  }
  INFO(what << ": " << bad << " of " << actual.size() << " elements outside tolerance\n" << first.str());
  CHECK(bad == 0);
}

// Runs `call` and checks that it throws KernelError with `code`.
template <class F>
void require_error(tops_status code, F&& call) {
  try {
    call();
    FAIL("expected " << tops_status_name(code) << " but the call succeeded");
  } catch (const pio::ops::KernelError& e) {
    INFO("message: " << e.what());
    CHECK(std::string(tops_status_name(e.code())) == tops_status_name(code));
    CHECK(std::string(e.what()).size() > 10);
  }
}

}  // namespace tops_test
