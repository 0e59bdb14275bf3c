// Benchmarks of libtensor_ops on the CPU:
//  * memory/stream_read: the machine's streaming-read bandwidth (all threads), the ceiling for
//    decode GEMV, which reads every weight byte once per token;
//  * linear/<path>/<in>x<out>/n:<rows>: y = x·Wᵀ with bf16 weights at Qwen3-0.6B shapes
//    (1024->3072 gate/up, 3072->1024 down, 1024->151936 lm_head), decode (n=1) and prefill (n=512);
//    counters GFLOP/s (2·n·in·out per call) and GB/s (weight + activation bytes per call);
//  * attention/...: Qwen3-0.6B heads (16 q, 8 kv, dim 128): decode over a cache and causal prefill.
// Paths: "auto" (= AVX512 here, or AVX2) and "avx512_bf16" where the CPU has it.
// Threads: TOPS_NUM_THREADS or all cores. Run: bench_kernels [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "tensor_ops/tensor_ops.hpp"

namespace ops = pio::ops;
using ops::Tensor;

namespace {

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

std::vector<uint16_t> random_bf16(size_t n, uint32_t seed) {
  const auto f = random_floats(n, seed);
  std::vector<uint16_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &f[i], 4);
    v[i] = static_cast<uint16_t>(bits >> 16);
  }
  return v;
}

unsigned thread_count() {
  ops::Context probe = ops::Context::cpu();
  return static_cast<unsigned>(probe.num_threads());
}

// Streaming read of a buffer much larger than the caches, split over the threads.
void BM_stream_read(benchmark::State& state) {
  const size_t bytes = size_t(512) << 20;
  std::vector<float> buf(bytes / sizeof(float), 1.0f);
  const unsigned threads = thread_count();
  std::atomic<double> sink{0};
  for (auto _ : state) {
    std::vector<std::thread> pool;
    const size_t per = buf.size() / threads;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const float* p = buf.data() + t * per;
        float acc[16] = {};
        for (size_t i = 0; i + 16 <= per; i += 16)
          for (int j = 0; j < 16; ++j) acc[j] += p[i + j];
        double s = 0;
        for (float a : acc) s += a;
        sink.store(sink.load() + s);
      });
    for (auto& th : pool) th.join();
  }
  benchmark::DoNotOptimize(sink.load());
  state.counters["GB/s"] = benchmark::Counter(double(bytes), benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
  state.counters["threads"] = threads;
}

void BM_linear(benchmark::State& state, tops_cpu_path path) {
  const int64_t in = state.range(0), out = state.range(1), n = state.range(2);
  ops::Context ctx = ops::Context::cpu(0, path);
  auto w = random_bf16(size_t(in * out), 1);
  auto x = random_floats(size_t(n * in), 2);
  std::vector<float> y(size_t(n * out));
  Tensor wt(w.data(), ops::DType::BF16, {out, in});
  Tensor xt = Tensor::of(x, {n, in}), yt = Tensor::of(y, {n, out});
  for (auto _ : state) {
    ops::linear(ctx, xt, wt, yt);
    benchmark::DoNotOptimize(y.data());
  }
  const double flops = 2.0 * double(n) * double(in) * double(out);
  const double bytes = 2.0 * double(in) * double(out) + 4.0 * double(n) * double(in + out);
  state.counters["GFLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  state.counters["GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  state.SetLabel(tops_cpu_path_name(ctx.cpu_path()));
}

// range(0) = queries n, range(1) = kv length (incl. the n new tokens).
void BM_attention(benchmark::State& state) {
  const int64_t n = state.range(0), kv = state.range(1), hq = 16, hkv = 8, d = 128;
  ops::Context ctx = ops::Context::cpu();
  auto q = random_floats(size_t(n * hq * d), 3);
  auto k = random_floats(size_t(kv * hkv * d), 4);
  auto v = random_floats(size_t(kv * hkv * d), 5);
  std::vector<float> out(size_t(n * hq * d));
  Tensor qt = Tensor::of(q, {n, hq, d}), kt = Tensor::of(k, {kv, hkv, d}), vt = Tensor::of(v, {kv, hkv, d});
  Tensor ot = Tensor::of(out, {n, hq, d});
  for (auto _ : state) {
    ops::attention(ctx, qt, kt, vt, ot, 1.0f / std::sqrt(float(d)));
    benchmark::DoNotOptimize(out.data());
  }
  // Causal: query i sees kv - n + i + 1 keys; q·k and p·v are 2·d flops each per key and head.
  double keys = 0;
  for (int64_t i = 0; i < n; ++i) keys += double(kv - n + i + 1);
  const double flops = keys * double(hq) * 4.0 * double(d);
  const double bytes = 4.0 * double(kv) * double(hkv) * double(2 * d);  // K and V read once
  state.counters["GFLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  state.counters["GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

void register_all() {
  benchmark::RegisterBenchmark("memory/stream_read", BM_stream_read)->Unit(benchmark::kMillisecond)->UseRealTime();
  std::vector<std::pair<const char*, tops_cpu_path>> paths = {{"auto", TOPS_CPU_PATH_AUTO}};
  if (tops_cpu_path_supported(TOPS_CPU_PATH_AVX512_BF16)) paths.push_back({"avx512_bf16", TOPS_CPU_PATH_AVX512_BF16});
  for (auto [name, path] : paths) {
    auto* b = benchmark::RegisterBenchmark((std::string("linear/") + name).c_str(),
                                           [path](benchmark::State& s) { BM_linear(s, path); });
    b->ArgNames({"in", "out", "n"})->Unit(benchmark::kMillisecond)->UseRealTime();
    for (int64_t n : {1, 512}) {
      b->Args({1024, 3072, n});
      b->Args({3072, 1024, n});
    }
    b->Args({1024, 151936, 1});
    auto* big = benchmark::RegisterBenchmark((std::string("linear/") + name + "/lm_head_prefill").c_str(),
                                             [path](benchmark::State& s) { BM_linear(s, path); });
    big->ArgNames({"in", "out", "n"})->Args({1024, 151936, 512})->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);
  }
  auto* a = benchmark::RegisterBenchmark("attention/qwen3_0.6b", BM_attention);
  a->ArgNames({"n", "kv"})->Args({1, 1024})->Args({1, 4096})->Args({512, 512})->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
