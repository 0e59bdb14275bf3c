// A persistent pool of worker threads owned by a CPU context. Ops call parallel_for, which splits
// [0, n) into chunks claimed dynamically by the workers and the calling thread, and returns when
// all chunks are done. Workers spin briefly before sleeping so the back-to-back ops of a decode
// step (a few microseconds apart) do not pay a futex wake-up each.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace tops {

class ThreadPool {
 public:
  // n_threads >= 1 counts the calling thread; n_threads - 1 workers are started.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls body(begin, end) on disjoint chunks covering [0, n); each chunk has at least `grain`
  // items (except the last). Runs inline when there is one thread, one chunk, or when called
  // from inside a pool task (no nested parallelism). Exceptions must not escape `body`.
  template <class Body>
  void parallel_for(int64_t n, int64_t grain, Body&& body) {
    if (n <= 0) return;
    grain = std::max<int64_t>(grain, 1);
    const int64_t max_chunks = (n + grain - 1) / grain;
    if (n_threads_ == 1 || max_chunks == 1 || in_task_) {
      body(int64_t{0}, n);
      return;
    }
    // About 4 chunks per thread balances uneven chunks without much claiming overhead.
    const int64_t chunks = std::min<int64_t>(max_chunks, int64_t{4} * n_threads_);
    const int64_t chunk = (n + chunks - 1) / chunks;
    run(n, chunk, [](void* arg, int64_t b, int64_t e) { (*static_cast<Body*>(arg))(b, e); }, &body);
  }

 private:
  using ChunkFn = void (*)(void*, int64_t, int64_t);
  void run(int64_t n, int64_t chunk, ChunkFn fn, void* arg);
  void worker_loop();
  void work_on_current_job();

  int n_threads_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> busy_workers_{0};
  bool stop_ = false;
  // Current job, published before generation_ is bumped.
  ChunkFn fn_ = nullptr;
  void* arg_ = nullptr;
  int64_t n_ = 0;
  int64_t chunk_ = 0;
  std::atomic<int64_t> next_{0};
  static thread_local bool in_task_;
};

}  // namespace tops
