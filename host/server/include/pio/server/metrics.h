// Metrics — the counters and histograms behind GET /metrics (Prometheus text format 0.0.4).
//
// Exposed series (all prefixed pio_):
//   requests_total{endpoint,status}            counter   HTTP requests answered
//   requests_rejected_total{reason}            counter   queue_full / queue_timeout
//   requests_cancelled_total                   counter   clients gone mid-generation
//   prompt_tokens_total, completion_tokens_total, cached_prompt_tokens_total   counters
//   time_to_first_token_seconds                histogram from request arrival to the first token
//   request_duration_seconds                   histogram of generation requests
//   generation_tokens_per_second               histogram per request (decode speed)
//   requests_active, requests_queued           gauges    (Admission)
//   models_loaded                              gauge
//   model_info{name,plugin,version,path}       gauge 1   one per loaded model
//   model_memory_bytes{name}                   gauge     resident growth measured at load
//   process_resident_memory_bytes              gauge
//
// Thread-safety: every member may be called concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pio::server {

// A fixed-bucket Prometheus histogram.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  // Appends the _bucket/_sum/_count lines of `name` to `out`.
  void render(std::string_view name, std::string& out) const;

 private:
  mutable std::mutex mutex_;
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket (not cumulative); the last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

// A gauge line for a loaded model.
struct ModelGauge {
  std::string name, plugin, version, path;
  int64_t memory_bytes = 0;
};

struct GaugeSnapshot {
  size_t active = 0;
  size_t queued = 0;
  std::vector<ModelGauge> models;
  int64_t resident_bytes = 0;
};

class Metrics {
 public:
  Metrics();

  void count_request(std::string_view endpoint, int status);
  void count_rejected(std::string_view reason);
  void count_cancelled();
  // One finished generation: token counts, time to first token (seconds from arrival; < 0 when
  // no token was produced), total duration, decode tokens/s (0: not observed).
  void observe_generation(uint64_t prompt_tokens, uint64_t cached_tokens, uint64_t completion_tokens,
                          double first_token_seconds, double duration_seconds, double tokens_per_second);

  std::string render(const GaugeSnapshot& gauges) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, uint64_t> rejected_;
  uint64_t cancelled_ = 0;
  uint64_t prompt_tokens_ = 0;
  uint64_t cached_tokens_ = 0;
  uint64_t completion_tokens_ = 0;
  Histogram first_token_;
  Histogram duration_;
  Histogram tokens_per_second_;
};

// Resident set size of this process in bytes (/proc/self/statm), 0 when unknown.
int64_t resident_memory_bytes();

}  // namespace pio::server
