// Tokenizer speed: load time of tokenizer.json and encode throughput on a text file.
// Usage: bench_tokenizer <dir with tokenizer.json> <text file> [repeats=3]
// The first pass starts with an empty word cache; later passes show the warm-cache speed.
// Speeds are given per wall-clock second and per CPU second of this thread (the two differ on
// a busy machine).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>

#include "pio/sdk/detokenizer.h"
#include "pio/sdk/error.h"
#include "pio/sdk/tokenizer.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <tokenizer dir> <text file> [repeats]\n", argv[0]);
    return 2;
  }
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  try {
    const auto t0 = Clock::now();
    const double c0 = cpu_now();
    const pio::Tokenizer tok = pio::Tokenizer::from_directory(argv[1]);
    const double c1 = cpu_now();
    const auto t1 = Clock::now();
    std::printf("load: %.1f ms wall, %.1f ms CPU (vocab %d)\n", seconds(t0, t1) * 1e3,
                (c1 - c0) * 1e3, tok.vocab_size());

    std::ifstream in(argv[2], std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
    size_t n_ids = 0;
    for (int r = 0; r < repeats; ++r) {
      const auto a = Clock::now();
      const double ca = cpu_now();
      const auto ids = tok.encode(text);
      const double cb = cpu_now();
      const auto b = Clock::now();
      n_ids = ids.size();
      std::printf(
          "encode pass %d: %.2f MB, %zu tokens: %.1f MB/s wall, %.1f MB/s CPU (%.2f M tokens per "
          "CPU s)\n",
          r, text.size() / 1e6, ids.size(), text.size() / 1e6 / seconds(a, b),
          text.size() / 1e6 / (cb - ca), ids.size() / 1e6 / (cb - ca));
      if (r == 0) {
        const auto c = Clock::now();
        const std::string back = tok.decode(ids);
        const auto d = Clock::now();
        pio::IncrementalDetokenizer detok(tok);
        std::string streamed;
        for (int32_t id : ids) streamed += detok.push(id);
        streamed += detok.finish();
        const auto e = Clock::now();
        std::printf("decode: %.1f MB/s; streaming detokenizer: %.1f M tokens/s; round trip %s\n",
                    back.size() / 1e6 / seconds(c, d), ids.size() / 1e6 / seconds(d, e),
                    streamed == back ? "consistent" : "MISMATCH");
      }
    }
    (void)n_ids;
  } catch (const pio::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
