// Admission (slots + bounded queue) and the Prometheus text of Metrics.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "pio/server/admission.h"
#include "pio/server/metrics.h"

using pio::server::Admission;
using namespace std::chrono_literals;

TEST_CASE("admission: slots, a bounded queue, timeouts, hand-over", "[server][admission]") {
  Admission admission(2, 1);
  Admission::Ticket a, b, c, d;
  CHECK(admission.enter(0ms, a) == Admission::Result::kAdmitted);
  CHECK(admission.enter(0ms, b) == Admission::Result::kAdmitted);
  CHECK(admission.active() == 2);
  CHECK(admission.enter(10ms, c) == Admission::Result::kTimedOut);  // queued, nobody left
  CHECK_FALSE(c.held());

  std::atomic<bool> admitted{false};
  std::thread waiter([&] {
    admitted = admission.enter(10s, c) == Admission::Result::kAdmitted;
  });
  while (admission.queued() == 0) std::this_thread::sleep_for(1ms);
  CHECK(admission.enter(0ms, d) == Admission::Result::kQueueFull);  // the one queue place is taken
  a.release();
  waiter.join();
  CHECK(admitted);
  CHECK(c.held());
  CHECK(admission.active() == 2);
  CHECK(admission.queued() == 0);
  b.release();
  c = Admission::Ticket();  // move-assigning releases
  CHECK(admission.active() == 0);
}

TEST_CASE("admission: many threads never exceed the slots", "[server][admission]") {
  Admission admission(3, 100);
  std::atomic<int> inside{0};
  std::atomic<int> peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        Admission::Ticket ticket;
        REQUIRE(admission.enter(10s, ticket) == Admission::Result::kAdmitted);
        const int now = ++inside;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(100us);
        --inside;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(peak.load() <= 3);
  CHECK(peak.load() >= 2);
  CHECK(admission.active() == 0);
}

TEST_CASE("admission: close wakes waiters", "[server][admission]") {
  Admission admission(1, 4);
  Admission::Ticket held, waiting;
  REQUIRE(admission.enter(0ms, held) == Admission::Result::kAdmitted);
  std::atomic<int> result{-1};
  std::thread waiter([&] { result = static_cast<int>(admission.enter(60s, waiting)); });
  while (admission.queued() == 0) std::this_thread::sleep_for(1ms);
  admission.close();
  waiter.join();
  CHECK(result == static_cast<int>(Admission::Result::kTimedOut));
}

TEST_CASE("metrics render as Prometheus text", "[server][metrics]") {
  pio::server::Metrics m;
  m.count_request("/v1/chat/completions", 200);
  m.count_request("/v1/chat/completions", 200);
  m.count_request("/v1/completions", 400);
  m.count_rejected("queue_full");
  m.observe_generation(10, 4, 20, 0.03, 0.5, 40.0);
  m.observe_generation(5, 0, 0, -1, 0.2, 0);  // no token produced
  pio::server::GaugeSnapshot g;
  g.active = 1;
  g.queued = 2;
  g.models.push_back({"qwen", "qwen3", "1.0.0", "/m/q\"x", 1234});
  g.resident_bytes = 999;
  const std::string text = m.render(g);
  auto has = [&](const std::string& line) {
    INFO(line);
    CHECK(text.find(line + "\n") != std::string::npos);
  };
  has(R"(pio_requests_total{endpoint="/v1/chat/completions",status="200"} 2)");
  has(R"(pio_requests_total{endpoint="/v1/completions",status="400"} 1)");
  has(R"(pio_requests_rejected_total{reason="queue_full"} 1)");
  has("pio_prompt_tokens_total 15");
  has("pio_cached_prompt_tokens_total 4");
  has("pio_completion_tokens_total 20");
  has(R"(pio_time_to_first_token_seconds_bucket{le="0.025"} 0)");
  has(R"(pio_time_to_first_token_seconds_bucket{le="0.05"} 1)");
  has(R"(pio_time_to_first_token_seconds_bucket{le="+Inf"} 1)");
  has("pio_time_to_first_token_seconds_count 1");
  has("pio_request_duration_seconds_count 2");
  has("pio_generation_tokens_per_second_count 1");
  has("pio_requests_active 1");
  has("pio_requests_queued 2");
  has("pio_models_loaded 1");
  has(R"(pio_model_info{name="qwen",plugin="qwen3",version="1.0.0",path="/m/q\"x"} 1)");
  has(R"(pio_model_memory_bytes{name="qwen"} 1234)");
  has("pio_process_resident_memory_bytes 999");
  has("# TYPE pio_time_to_first_token_seconds histogram");
  CHECK(pio::server::resident_memory_bytes() > 0);
}
