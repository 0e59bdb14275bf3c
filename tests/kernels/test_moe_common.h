// Helpers shared by the MoE, DeltaNet and CUDA kernel tests: fixed-seed random data, host tensor
// views, 16-bit float conversions, contexts, device buffers and tolerance checks that print the
// first mismatching index.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <iostream>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tensor_ops/tensor_ops.h"
#include "tensor_ops/deltanet.h"
#include "tensor_ops/moe.h"

namespace kt {

// Row-major contiguous descriptor over `data`.
inline tops_tensor view(const void* data, tops_dtype dtype, std::initializer_list<int64_t> shape,
                        tops_device device = TOPS_DEVICE_CPU) {
  tops_tensor t{};
  t.data = const_cast<void*>(data);
  t.dtype = dtype;
  t.device = device;
  t.ndim = static_cast<int32_t>(shape.size());
  int d = 0;
  for (int64_t s : shape) t.shape[d++] = s;
  int64_t stride = 1;
  for (int i = t.ndim - 1; i >= 0; --i) {
    t.strides[i] = stride;
    stride *= t.shape[i];
  }
  return t;
}

inline std::vector<float> uniform(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Values in [lo, hi] with random sign, never near zero (so a dropped term is visible).
inline std::vector<float> nonzero(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> mag(lo, hi);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> v(n);
  for (auto& x : v) x = sign(rng) ? mag(rng) : -mag(rng);
  return v;
}

inline uint16_t to_bf16(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  b += 0x7fffu + ((b >> 16) & 1u);
  return static_cast<uint16_t>(b >> 16);
}
inline float from_bf16(uint16_t h) {
  const uint32_t b = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
// f32 -> f16 for values of moderate magnitude (normal range), round to nearest even.
inline uint16_t to_f16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u, abs = x & 0x7fffffffu;
  if (abs < 0x38800000u) return static_cast<uint16_t>(sign);  // tiny -> 0 (tests avoid these)
  uint32_t h = (abs >> 13) - (112u << 10);
  const uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}
inline float from_f16(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  uint32_t b = exp == 0 ? sign : sign | ((exp + 112u) << 23) | (mant << 13);
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

// Weights of one dtype: the raw bytes an op reads and the exact float values they encode.
struct Weights {
  tops_dtype dtype;
  std::vector<float> f32;      // used when dtype == F32, and the widened values otherwise
  std::vector<uint16_t> half;  // bf16/f16 bits
  const void* data() const { return dtype == TOPS_F32 ? static_cast<const void*>(f32.data()) : half.data(); }
  size_t bytes() const { return dtype == TOPS_F32 ? f32.size() * 4 : half.size() * 2; }
};

inline Weights make_weights(tops_dtype dtype, std::vector<float> values) {
  Weights w{dtype, std::move(values), {}};
  if (dtype != TOPS_F32) {
    w.half.resize(w.f32.size());
    for (size_t i = 0; i < w.f32.size(); ++i) {
      w.half[i] = dtype == TOPS_BF16 ? to_bf16(w.f32[i]) : to_f16(w.f32[i]);
      w.f32[i] = dtype == TOPS_BF16 ? from_bf16(w.half[i]) : from_f16(w.half[i]);
    }
  }
  return w;
}

struct ContextDeleter {
  void operator()(tops_context* c) const { tops_context_release(c); }
};
using Context = std::unique_ptr<tops_context, ContextDeleter>;

inline Context cpu_context(tops_cpu_path path = TOPS_CPU_PATH_AUTO, int threads = 2) {
  tops_context_options o;
  tops_context_options_init(&o);
  o.cpu_path = path;
  o.num_threads = threads;
  tops_context* c = nullptr;
  REQUIRE(tops_context_create(&o, &c) == TOPS_OK);
  return Context(c);
}

// The fastest CPU path that keeps f32 activations in matmuls (AVX512_BF16 rounds activations to
// bf16 for bf16 weights, see matmul.h): the comparison baseline for f32-exact kernels.
inline Context cpu_context_f32(int threads = 0) {
  for (tops_cpu_path p : {TOPS_CPU_PATH_AVX512, TOPS_CPU_PATH_AVX2})
    if (tops_cpu_path_supported(p)) return cpu_context(p, threads);
  return cpu_context(TOPS_CPU_PATH_SCALAR, threads);
}

// A CUDA context, or null when this build or machine has no CUDA device (tests then skip).
inline Context cuda_context_or_null() {
  tops_context_options o;
  tops_context_options_init(&o);
  o.device = TOPS_DEVICE_CUDA;
  tops_context* c = nullptr;
  if (tops_context_create(&o, &c) != TOPS_OK) return Context(nullptr);
  return Context(c);
}

#define KT_REQUIRE_CUDA(ctx)                                                          \
  auto ctx = ::kt::cuda_context_or_null();                                            \
  if (!ctx) {                                                                         \
    SUCCEED("skipped: no CUDA device or CUDA backend (" << tops_last_error_message() << ")"); \
    return;                                                                           \
  }

#define KT_OK(expr)                                                                       \
  do {                                                                                    \
    const tops_status kt_st_ = (expr);                                                    \
    INFO(#expr << " -> " << tops_status_name(kt_st_) << ": " << tops_last_error_message()); \
    REQUIRE(kt_st_ == TOPS_OK);                                                           \
  } while (0)

// Device memory holding a copy of a host vector; copies back on demand.
class DeviceBuffer {
 public:
  DeviceBuffer(tops_context* ctx, const void* host, size_t bytes) : ctx_(ctx), bytes_(bytes) {
    KT_OK(tops_malloc(ctx_, bytes_, &ptr_));
    if (host != nullptr && bytes_ > 0)
      KT_OK(tops_memcpy(ctx_, ptr_, TOPS_DEVICE_CUDA, host, TOPS_DEVICE_CPU, bytes_));
  }
  template <class T>
  DeviceBuffer(tops_context* ctx, const std::vector<T>& host) : DeviceBuffer(ctx, host.data(), host.size() * sizeof(T)) {}
  ~DeviceBuffer() { tops_free(ctx_, ptr_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return ptr_; }
  template <class T>
  std::vector<T> download() const {
    std::vector<T> out(bytes_ / sizeof(T));
    if (bytes_ > 0) KT_OK(tops_memcpy(ctx_, out.data(), TOPS_DEVICE_CPU, ptr_, TOPS_DEVICE_CUDA, bytes_));
    return out;
  }

 private:
  tops_context* ctx_;
  size_t bytes_;
  void* ptr_ = nullptr;
};

// |got - want| <= abs_tol + rel_tol * |want| for every element; reports the first failure.
template <class A, class B>
void require_close(const A& got, const B& want, double abs_tol, double rel_tol, const std::string& what) {
  REQUIRE(got.size() == want.size());
  size_t bad = got.size();
  double worst = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], w = want[i];
    const double err = std::fabs(g - w);
    if (!(err <= abs_tol + rel_tol * std::fabs(w))) {
      if (bad == got.size()) bad = i;
    }
    if (std::isfinite(err)) worst = std::max(worst, err);
  }
  INFO(what << ": " << got.size() << " values, max abs error " << worst);
  if (bad != got.size()) {
    FAIL_CHECK(what << ": first mismatch at index " << bad << ": got " << double(got[bad]) << ", want "
                    << double(want[bad]) << " (abs " << abs_tol << ", rel " << rel_tol << ")");
  }
  REQUIRE(bad == got.size());
}

// max |a-b| / max(|b|, floor) over all elements: the "max rel error" the GPU check prints.
template <class A, class B>
double max_rel_error(const A& a, const B& b, double floor = 1e-3) {
  double m = 0.0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a[i]) - double(b[i])) / std::max(std::fabs(double(b[i])), floor));
  return m;
}

// One line of the table tools/gpu_check.sh prints: op, shape, max relative error vs the CPU
// backend, the time of one call in milliseconds (0 = not timed) and, when `bytes` (the bytes the
// op must move at least) is given, the achieved GB/s.
inline void report_gpu_check(const std::string& op, const std::string& shape, double max_rel, double ms,
                             double bytes = 0.0) {
  std::cout << "[gpu-check] " << op << " | " << shape << " | " << max_rel << " | " << ms << " | ";
  if (bytes > 0.0 && ms > 0.0) {
    std::cout << bytes / (ms * 1e6);
  } else {
    std::cout << "-";
  }
  std::cout << "\n";
}

// Wall time of fn() (which enqueues work on ctx) including a synchronize, in milliseconds.
template <class Fn>
double time_ms(tops_context* ctx, Fn&& fn) {
  KT_OK(tops_context_synchronize(ctx));
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  KT_OK(tops_context_synchronize(ctx));
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace kt
