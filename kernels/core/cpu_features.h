// Which SIMD paths this CPU can run (CPUID via __builtin_cpu_supports, which also checks that the
// OS saves the wider registers), and parsing of the TOPS_CPU_PATH override.
#pragma once

#include "tensor_ops/context.h"

namespace tops {

bool cpu_path_supported(tops_cpu_path path);
tops_cpu_path cpu_best_path();
// Parses "reference", "scalar", "avx2", "avx512", "avx512_bf16"; returns AUTO for anything else.
tops_cpu_path cpu_path_from_name(const char* name);

}  // namespace tops
