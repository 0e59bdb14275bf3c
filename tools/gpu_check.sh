#!/usr/bin/env bash
# tools/gpu_check.sh — check libtensor_ops' CUDA backend on a machine with an NVIDIA GPU.
#
# Configures a CUDA build (sm_80 + sm_90), builds the kernel test executable (and the kernel
# benchmark when the tree has one), runs every test tagged [cuda] (each compares CUDA against the
# CPU backend on random inputs), and prints a table: op, shape, max relative error vs CPU, time
# of one call. Sized for an H200 with 16 cores: build ~3-4 min, tests < 2 min.
#
# Usage: tools/gpu_check.sh [build-dir]      (default: build-gpu-check)
# Env:   JOBS (build parallelism, default nproc), GPU_CHECK_TEST_TIMEOUT (s, default 300),
#        GPU_CHECK_BENCH_TIMEOUT (s, default 120), CUDACXX (nvcc; default /usr/local/cuda/bin/nvcc
#        when present).
# Exit status: 0 when the [cuda] tests pass, non-zero otherwise (the table is printed anyway).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-gpu-check}"
jobs="${JOBS:-$(nproc)}"
test_timeout="${GPU_CHECK_TEST_TIMEOUT:-300}"
bench_timeout="${GPU_CHECK_BENCH_TIMEOUT:-120}"
if [[ -z "${CUDACXX:-}" && -x /usr/local/cuda/bin/nvcc ]]; then export CUDACXX=/usr/local/cuda/bin/nvcc; fi

log_dir="$build/gpu-check-logs"
mkdir -p "$log_dir"
start=$(date +%s)
say() { printf '== %s (%ds)\n' "$*" "$(( $(date +%s) - start ))"; }

say "device"
nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv,noheader 2>/dev/null \
  || echo "nvidia-smi not available"
"${CUDACXX:-nvcc}" --version 2>/dev/null | tail -1

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
say "configure $build"
if ! cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DPIO_ENABLE_CUDA=ON \
      -DPIO_BUILD_TESTS=ON >"$log_dir/configure.log" 2>&1; then
  tail -30 "$log_dir/configure.log"; echo "configure FAILED"; exit 2
fi
grep -q 'PIO_HAVE_CUDA\|CUDA compiler identification' "$log_dir/configure.log" || true

targets=(tensor_ops_tests)
bench_target=""
if cmake --build "$build" --target help 2>/dev/null | grep -q '^bench_kernels\b\|[ /]bench_kernels:'; then
  bench_target=bench_kernels
  targets+=("$bench_target")
fi
say "build ${targets[*]} (-j $jobs)"
if ! cmake --build "$build" --target "${targets[@]}" --parallel "$jobs" >"$log_dir/build.log" 2>&1; then
  grep -E 'error|FAILED' "$log_dir/build.log" | head -40; echo "build FAILED (log: $log_dir/build.log)"; exit 3
fi
warnings=$(grep -c -i 'warning' "$log_dir/build.log" || true)
echo "build warnings: $warnings (log: $log_dir/build.log)"

say "run [cuda] tests"
tests_bin="$build/bin/tensor_ops_tests"
timeout "$test_timeout" "$tests_bin" "[cuda]" --durations yes >"$log_dir/tests.log" 2>&1
test_rc=$?
grep -E '^(All tests passed|test cases:|assertions:)' "$log_dir/tests.log" || true
if grep -q 'skipped: no CUDA device' "$log_dir/tests.log"; then
  echo "WARNING: CUDA tests were skipped (no device visible to the process)"
fi
if [[ $test_rc -ne 0 ]]; then
  echo "FAILURES (first 60 lines):"
  grep -B2 -A12 -E 'FAILED|failed|REQUIRE|CHECK' "$log_dir/tests.log" | head -60
fi

say "results (CUDA vs CPU)"
{
  printf 'op|shape|max rel err|time ms|GB/s\n'
  grep '^\[gpu-check\]' "$log_dir/tests.log" | sed 's/^\[gpu-check\] //; s/ | /|/g'
} | column -t -s '|'

if [[ -n "$bench_target" ]]; then
  bench_bin="$build/bin/$bench_target"
  if "$bench_bin" --benchmark_list_tests 2>/dev/null | grep -qi cuda; then
    say "benchmark $bench_target (CUDA cases)"
    timeout "$bench_timeout" "$bench_bin" --benchmark_filter='[Cc][Uu][Dd][Aa]' \
      --benchmark_min_time=0.05s >"$log_dir/bench.log" 2>&1 || echo "(benchmark exited with $?)"
    grep -v '^\*\*\*' "$log_dir/bench.log" | tail -40
  else
    say "benchmark $bench_target has no CUDA cases yet; CPU baseline for the same shapes (memory + decode linear)"
    timeout "$bench_timeout" "$bench_bin" --benchmark_filter='memory|linear/auto/.*/n:1$' \
      --benchmark_min_time=0.05s >"$log_dir/bench.log" 2>&1 || echo "(benchmark exited with $?)"
    grep -v '^\*\*\*' "$log_dir/bench.log" | tail -20
  fi
fi

say "done: [cuda] tests $([[ $test_rc -eq 0 ]] && echo PASSED || echo "FAILED (rc $test_rc)"); logs in $log_dir"
exit "$test_rc"
