#!/usr/bin/env bash
# tools/gpu_check.sh — check libtensor_ops' CUDA backend on a machine with an NVIDIA GPU.
#
# The GPU machines this project borrows have nvcc, CMake and ninja but none of the project's
# Debian packages (fmt, RapidJSON, Boost, Catch2) and no network, so this script does NOT
# configure the whole project: it writes a small standalone CMake project (into the build dir)
# that compiles only kernels/ (which needs nothing but the C++ standard library, CUDA and
# cuBLAS) and the [cuda] tests (tests/kernels/test_cuda_*.cpp) against a Catch2 v2 single header.
# It runs every [cuda] test (each compares a CUDA op with the CPU backend on random inputs) and
# prints a table: op, shape, max relative error vs CPU, time of one call (ms), GB/s.
#
# Two steps:
#   1. here, on the development machine (has Catch2):   tools/gpu_check.sh --prepare
#      copies catch2/catch.hpp into .gpu-check/include (git-ignored via .git/info/exclude) and
#      prints how to run step 2;
#   2. on the GPU machine, from the repo root, with .gpu-check carried along:
#      tools/gpu_check.sh [build-dir]          (default: /tmp/pio-gpu-check)
# Sized for an H200 with 16 cores: configure + build ~2-3 min (sm_90 only; GPU_CHECK_ARCH to
# change), tests ~1-2 min, well inside 8 minutes.
# Env: JOBS (default nproc), GPU_CHECK_ARCH (CUDA architectures, default 90),
#      GPU_CHECK_TEST_TIMEOUT (seconds, default 300), CATCH2_INCLUDE_DIR (dir holding
#      catch2/catch.hpp; default .gpu-check/include, then /usr/include).
# Exit status: 0 when all [cuda] tests pass; 2 configure, 3 build, 4 no device (tests skipped),
# other = test failures.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ "${1:-}" == "--prepare" ]]; then
  src=""
  for cand in /usr/include/catch2/catch.hpp /usr/local/include/catch2/catch.hpp; do
    [[ -f "$cand" ]] && src="$cand" && break
  done
  [[ -n "$src" ]] || { echo "Catch2 v2 single header (catch2/catch.hpp) not found"; exit 1; }
  mkdir -p "$root/.gpu-check/include/catch2"
  cp "$src" "$root/.gpu-check/include/catch2/catch.hpp"
  exclude="$(git -C "$root" rev-parse --git-path info/exclude 2>/dev/null || echo "$root/.git/info/exclude")"
  [[ "$exclude" = /* ]] || exclude="$root/$exclude"
  grep -qx '/.gpu-check/' "$exclude" 2>/dev/null || echo '/.gpu-check/' >>"$exclude"
  echo "prepared $root/.gpu-check (ignored by git)."
  echo "On the GPU machine run, from the repo root, carrying .gpu-check:  tools/gpu_check.sh"
  exit 0
fi

build="${1:-/tmp/pio-gpu-check}"
jobs="${JOBS:-$(nproc)}"
arch="${GPU_CHECK_ARCH:-90}"
test_timeout="${GPU_CHECK_TEST_TIMEOUT:-300}"
catch_dir="${CATCH2_INCLUDE_DIR:-}"
if [[ -z "$catch_dir" ]]; then
  for cand in "$root/.gpu-check/include" /usr/include /usr/local/include; do
    [[ -f "$cand/catch2/catch.hpp" ]] && catch_dir="$cand" && break
  done
fi
if [[ -z "$catch_dir" ]]; then
  echo "catch2/catch.hpp not found: run 'tools/gpu_check.sh --prepare' on a machine with Catch2 and carry .gpu-check"
  exit 2
fi
if [[ -z "${CUDACXX:-}" && -x /usr/local/cuda/bin/nvcc ]]; then export CUDACXX=/usr/local/cuda/bin/nvcc; fi

log_dir="$build/logs"
mkdir -p "$log_dir" "$build/src"
start=$(date +%s)
say() { printf '== %s (%ds)\n' "$*" "$(( $(date +%s) - start ))"; }

say "device"
nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv,noheader 2>/dev/null \
  || echo "nvidia-smi not available"
"${CUDACXX:-nvcc}" --version 2>/dev/null | tail -1

# The standalone project: libtensor_ops (all of kernels/) + the [cuda] tests. Mirrors the flags
# of kernels/CMakeLists.txt (hidden visibility, -O3, -fopenmp-simd, no -march) plus warnings.
cat >"$build/src/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.24)
project(pio_gpu_check LANGUAGES C CXX CUDA)
find_package(Threads REQUIRED)
find_package(CUDAToolkit REQUIRED)
set(root "$root")
file(GLOB tops_cpu \${root}/kernels/*/*.cpp)
file(GLOB tops_cuda \${root}/kernels/*/*.cu)
add_library(tensor_ops SHARED \${tops_cpu} \${tops_cuda})
target_include_directories(tensor_ops PUBLIC \${root}/kernels/include PRIVATE \${root}/kernels)
target_compile_features(tensor_ops PRIVATE cxx_std_20)
target_compile_definitions(tensor_ops PRIVATE TOPS_HAVE_CUDA=1)
set_target_properties(tensor_ops PROPERTIES CUDA_ARCHITECTURES "$arch" CXX_VISIBILITY_PRESET hidden
  CUDA_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON POSITION_INDEPENDENT_CODE ON)
target_compile_options(tensor_ops PRIVATE
  \$<\$<COMPILE_LANGUAGE:CXX>:-O3 -fopenmp-simd -Wall -Wextra>
  \$<\$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr -Xcompiler=-Wall,-Wextra>)
target_link_libraries(tensor_ops PRIVATE CUDA::cublas CUDA::cudart Threads::Threads)
file(GLOB cuda_tests \${root}/tests/kernels/test_cuda_*.cpp)
add_executable(tensor_ops_cuda_tests \${root}/tests/test_main.cpp \${cuda_tests})
target_include_directories(tensor_ops_cuda_tests PRIVATE \${root}/tests/kernels "$catch_dir")
target_compile_features(tensor_ops_cuda_tests PRIVATE cxx_std_20)
target_compile_options(tensor_ops_cuda_tests PRIVATE -O2 -Wall -Wextra)
target_link_libraries(tensor_ops_cuda_tests PRIVATE tensor_ops Threads::Threads)
EOF

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
say "configure (CUDA architectures $arch)"
if ! cmake -S "$build/src" -B "$build/bld" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
      >"$log_dir/configure.log" 2>&1; then
  tail -30 "$log_dir/configure.log"; echo "configure FAILED"; exit 2
fi
say "build libtensor_ops + [cuda] tests (-j $jobs)"
if ! cmake --build "$build/bld" --parallel "$jobs" >"$log_dir/build.log" 2>&1; then
  grep -E 'error|FAILED' "$log_dir/build.log" | head -40; echo "build FAILED (log: $log_dir/build.log)"; exit 3
fi
echo "build warnings: $(grep -v 'line directive' "$log_dir/build.log" | grep -c -i 'warning')"

say "run [cuda] tests"
timeout "$test_timeout" "$build/bld/tensor_ops_cuda_tests" "[cuda]" --durations yes >"$log_dir/tests.log" 2>&1
test_rc=$?
grep -E '^(All tests passed|test cases:|assertions:)' "$log_dir/tests.log" || true
skipped=0
if ! grep -q '^\[gpu-check\]' "$log_dir/tests.log"; then
  # Skips are SUCCEED messages, printed only with -s: show why for one test case.
  skipped=1
  echo "WARNING: no CUDA results — the [cuda] tests skipped:"
  "$build/bld/tensor_ops_cuda_tests" "cuda: linear matches the CPU backend" -s 2>&1 | grep -m1 -A3 'skipped'
fi
if [[ $test_rc -ne 0 ]]; then
  echo "FAILURES (first 80 lines):"
  grep -B3 -A14 -E 'FAILED' "$log_dir/tests.log" | head -80
fi
echo "slowest test cases:"
grep -E '^[0-9.]+ s: ' "$log_dir/tests.log" | sort -rn | head -5

say "results (CUDA vs CPU backend)"
{
  printf 'op|shape|max rel err|time ms|GB/s\n'
  grep '^\[gpu-check\]' "$log_dir/tests.log" | sed 's/^\[gpu-check\] //; s/ | /|/g'
} | column -t -s '|'

if [[ $test_rc -eq 0 && $skipped -eq 1 ]]; then test_rc=4; fi
say "done: [cuda] tests $([[ $test_rc -eq 0 ]] && echo PASSED || echo "FAILED or SKIPPED (rc $test_rc)"); logs in $log_dir"
exit "$test_rc"
