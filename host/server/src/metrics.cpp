#include "pio/server/metrics.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace pio::server {
namespace {

// Prometheus label values escape backslash, double quote and newline.
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  std::lock_guard lock(mutex_);
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

void Histogram::render(std::string_view name, std::string& out) const {
  std::lock_guard lock(mutex_);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, bounds_[i], cumulative);
  }
  cumulative += counts_.back();
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, cumulative, name, sum_, name,
                     count_);
}

Metrics::Metrics()
    : first_token_({0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}),
      duration_({0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}),
      tokens_per_second_({1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000}) {}

void Metrics::count_request(std::string_view endpoint, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(endpoint), status}];
}

void Metrics::count_rejected(std::string_view reason) {
  std::lock_guard lock(mutex_);
  ++rejected_[std::string(reason)];
}

void Metrics::count_cancelled() {
  std::lock_guard lock(mutex_);
  ++cancelled_;
}

void Metrics::observe_generation(uint64_t prompt_tokens, uint64_t cached_tokens, uint64_t completion_tokens,
                                 double first_token_seconds, double duration_seconds, double tokens_per_second) {
  {
    std::lock_guard lock(mutex_);
    prompt_tokens_ += prompt_tokens;
    cached_tokens_ += cached_tokens;
    completion_tokens_ += completion_tokens;
  }
  if (first_token_seconds >= 0) first_token_.observe(first_token_seconds);
  duration_.observe(duration_seconds);
  if (tokens_per_second > 0) tokens_per_second_.observe(tokens_per_second);
}

std::string Metrics::render(const GaugeSnapshot& g) const {
  std::string out;
  {
    std::lock_guard lock(mutex_);
    header(out, "pio_requests_total", "counter", "HTTP requests answered, by endpoint and status");
    for (const auto& [key, n] : requests_)
      out += fmt::format("pio_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n", label(key.first), key.second, n);
    header(out, "pio_requests_rejected_total", "counter", "Generation requests refused (queue full or wait timed out)");
    for (const auto& [reason, n] : rejected_)
      out += fmt::format("pio_requests_rejected_total{{reason=\"{}\"}} {}\n", label(reason), n);
    header(out, "pio_requests_cancelled_total", "counter", "Generations stopped because the client went away");
    out += fmt::format("pio_requests_cancelled_total {}\n", cancelled_);
    header(out, "pio_prompt_tokens_total", "counter", "Prompt tokens of finished generations");
    out += fmt::format("pio_prompt_tokens_total {}\n", prompt_tokens_);
    header(out, "pio_cached_prompt_tokens_total", "counter", "Prompt tokens reused from a session's KV cache");
    out += fmt::format("pio_cached_prompt_tokens_total {}\n", cached_tokens_);
    header(out, "pio_completion_tokens_total", "counter", "Generated tokens");
    out += fmt::format("pio_completion_tokens_total {}\n", completion_tokens_);
  }
  header(out, "pio_time_to_first_token_seconds", "histogram", "From request arrival to the first generated token");
  first_token_.render("pio_time_to_first_token_seconds", out);
  header(out, "pio_request_duration_seconds", "histogram", "Duration of generation requests");
  duration_.render("pio_request_duration_seconds", out);
  header(out, "pio_generation_tokens_per_second", "histogram", "Decode speed of each generation");
  tokens_per_second_.render("pio_generation_tokens_per_second", out);

  header(out, "pio_requests_active", "gauge", "Generations running");
  out += fmt::format("pio_requests_active {}\n", g.active);
  header(out, "pio_requests_queued", "gauge", "Requests waiting for a generation slot");
  out += fmt::format("pio_requests_queued {}\n", g.queued);
  header(out, "pio_models_loaded", "gauge", "Models being served");
  out += fmt::format("pio_models_loaded {}\n", g.models.size());
  header(out, "pio_model_info", "gauge", "One series per served model");
  for (const ModelGauge& m : g.models) {
    out += fmt::format("pio_model_info{{name=\"{}\",plugin=\"{}\",version=\"{}\",path=\"{}\"}} 1\n", label(m.name),
                       label(m.plugin), label(m.version), label(m.path));
  }
  header(out, "pio_model_memory_bytes", "gauge", "Resident memory growth measured when the model was loaded");
  for (const ModelGauge& m : g.models)
    out += fmt::format("pio_model_memory_bytes{{name=\"{}\"}} {}\n", label(m.name), m.memory_bytes);
  header(out, "pio_process_resident_memory_bytes", "gauge", "Resident set size of the server process");
  out += fmt::format("pio_process_resident_memory_bytes {}\n", g.resident_bytes);
  return out;
}

int64_t resident_memory_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long long pages_total = 0, pages_resident = 0;
  const int n = std::fscanf(f, "%lld %lld", &pages_total, &pages_resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<int64_t>(pages_resident) * static_cast<int64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace pio::server
