// CPU feature detection (cpu_features.h).
#include "core/cpu_features.h"

#include <cstring>

namespace tops {

namespace {
bool has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#else
  return false;
#endif
}
bool has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
  return has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#else
  return false;
#endif
}
bool has_avx512_bf16() {
#if defined(__x86_64__) || defined(__i386__)
  return has_avx512() && __builtin_cpu_supports("avx512bf16");
#else
  return false;
#endif
}
}  // namespace

bool cpu_path_supported(tops_cpu_path path) {
  switch (path) {
    case TOPS_CPU_PATH_REFERENCE:
    case TOPS_CPU_PATH_SCALAR: return true;
    case TOPS_CPU_PATH_AVX2: return has_avx2();
    case TOPS_CPU_PATH_AVX512: return has_avx512();
    case TOPS_CPU_PATH_AVX512_BF16: return has_avx512_bf16();
    default: return false;
  }
}

tops_cpu_path cpu_best_path() {
  // AVX512_BF16 is never chosen automatically: it rounds activations to bf16 (matmul.h), so
  // AUTO keeps f32 results identical in precision on every machine; callers opt in explicitly.
  static const tops_cpu_path best = [] {
    if (has_avx512()) return TOPS_CPU_PATH_AVX512;
    if (has_avx2()) return TOPS_CPU_PATH_AVX2;
    return TOPS_CPU_PATH_SCALAR;
  }();
  return best;
}

tops_cpu_path cpu_path_from_name(const char* name) {
  if (name == nullptr) return TOPS_CPU_PATH_AUTO;
  if (std::strcmp(name, "reference") == 0) return TOPS_CPU_PATH_REFERENCE;
  if (std::strcmp(name, "scalar") == 0) return TOPS_CPU_PATH_SCALAR;
  if (std::strcmp(name, "avx2") == 0) return TOPS_CPU_PATH_AVX2;
  if (std::strcmp(name, "avx512") == 0) return TOPS_CPU_PATH_AVX512;
  if (std::strcmp(name, "avx512_bf16") == 0) return TOPS_CPU_PATH_AVX512_BF16;
  return TOPS_CPU_PATH_AUTO;
}

}  // namespace tops
