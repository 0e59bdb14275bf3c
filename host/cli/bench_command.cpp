// `pio bench --model DIR [--prompt-tokens 512] [--gen-tokens 128] [--threads N] [--repeats R]
//  [--json]`: prompt-processing and generation speed in the spirit of llama-bench, so the two can
// be compared on the same checkpoint shapes.
//
// pp<N>: N pseudo-random token ids evaluated as one batch into an empty cache (logits of the last
// position only). tg<M>: M single-token steps from an empty cache, each feeding the argmax of the
// previous logits (greedy decode without sampling cost). One warm-up run, then R timed repeats;
// the median is reported (min and max alongside). Peak memory is the process's peak RSS.
#include <sys/resource.h>
#include <string_view>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.h"
#include "json_output.h"
#include "model_loading.h"
#include "pio/generation/model_profile.h"
#include "pio/generation/sampler.h"
#include "pio/host/session.h"
#include "pio/sdk/error.h"

namespace pio::cli {
namespace {

struct BenchOptions {
  ModelFlags model;
  size_t prompt_tokens = 512;
  size_t gen_tokens = 128;
  int repeats = 5;
  bool json = false;
};

using Clock = std::chrono::steady_clock;

struct Series {
  std::vector<double> tokens_per_second;
  double median() const {
    std::vector<double> v = tokens_per_second;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n == 0 ? 0.0 : n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  }
  double min() const { return tokens_per_second.empty() ? 0.0 : *std::min_element(tokens_per_second.begin(), tokens_per_second.end()); }
  double max() const { return tokens_per_second.empty() ? 0.0 : *std::max_element(tokens_per_second.begin(), tokens_per_second.end()); }
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

int64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

// Resident bytes now, leaving out mapped shared libraries (/proc/self/smaps): the model's own
// footprint (weights, caches, activations, tokenizer) without the code of pio, the plugin and
// their dependencies — a CUDA-enabled libtensor_ops alone maps ~200 MiB of CUDA runtime and
// cuBLAS pages. 0 when /proc is unavailable.
int64_t resident_bytes_without_libraries() {
  FILE* smaps = std::fopen("/proc/self/smaps", "r");
  if (smaps == nullptr) return 0;
  int64_t total = 0;
  bool library = false;
  char line[4096];
  while (std::fgets(line, sizeof line, smaps) != nullptr) {
    const std::string_view text(line);
    long kib = 0;
    if (std::sscanf(line, "Rss: %ld kB", &kib) == 1) {
      if (!library) total += static_cast<int64_t>(kib) * 1024;
    } else if (text.find('-') < text.find(' ') && text.find(" r") != std::string_view::npos) {
      // A mapping header: "start-end perms offset dev inode [path]".
      library = text.find(".so") != std::string_view::npos;
    }
  }
  std::fclose(smaps);
  return total;
}

int run_bench(BenchOptions options, const GlobalOptions& global) {
  if (options.prompt_tokens == 0 && options.gen_tokens == 0)
    throw_error(ErrorCode::kInvalidArgument, "bench: --prompt-tokens and --gen-tokens are both 0");
  if (options.repeats < 1) throw_error(ErrorCode::kInvalidArgument, "bench: --repeats must be >= 1");
  const auto load_start = Clock::now();
  std::shared_ptr<host::Model> model = load_model(options.model, global);
  const double load_seconds = seconds_since(load_start);
  const ModelProfile profile = parse_model_profile(model->describe_json());
  const size_t vocab = model->vocab_size();
  if (vocab == 0) throw_error(ErrorCode::kUnsupported, "bench: the plugin did not report vocab_size");

  const size_t needed = std::max(options.prompt_tokens, options.gen_tokens) + 1;
  const size_t context = options.model.context_length > 0 ? options.model.context_length : needed;
  if (profile.context_length > 0 && needed > profile.context_length)
    throw_error(ErrorCode::kContextOverflow, "bench: {} tokens do not fit the model's context of {}", needed,
                profile.context_length);
  auto session = model->create_session(fmt::format("{{\"context_length\": {}}}", context));

  std::mt19937_64 rng(1234);
  std::vector<pio_token> prompt(options.prompt_tokens);
  for (pio_token& id : prompt) id = static_cast<pio_token>(rng() % vocab);
  std::vector<float> logits(vocab);

  Series pp, tg;
  for (int run = 0; run <= options.repeats; ++run) {  // run 0 warms up
    if (options.prompt_tokens > 0) {
      session->truncate(0);
      const auto start = Clock::now();
      session->eval_into(prompt, host::Logits::kLast, logits);
      const double s = seconds_since(start);
      if (run > 0) pp.tokens_per_second.push_back(static_cast<double>(options.prompt_tokens) / s);
    }
    if (options.gen_tokens > 0) {
      session->truncate(0);
      pio_token next = static_cast<pio_token>(rng() % vocab);
      const auto start = Clock::now();
      for (size_t i = 0; i < options.gen_tokens; ++i) {
        session->eval_into(std::span(&next, 1), host::Logits::kLast, logits);
        next = argmax(logits);
      }
      const double s = seconds_since(start);
      if (run > 0) tg.tokens_per_second.push_back(static_cast<double>(options.gen_tokens) / s);
    }
  }
  const int64_t rss = peak_rss_bytes();
  const int64_t model_rss = resident_bytes_without_libraries();

  if (options.json) {
    JsonOut json;
    json.begin_object();
    json.key("model").string(options.model.model_dir.string());
    json.key("architecture").string(profile.architecture);
    json.key("plugin").string(model->plugin()->name());
    json.key("plugin_version").string(model->plugin()->version());
    json.key("threads").number(options.model.threads);
    json.key("repeats").number(options.repeats);
    json.key("load_seconds").raw(fmt::format("{:.4f}", load_seconds));
    json.key("prompt_tokens").number(static_cast<int64_t>(options.prompt_tokens));
    json.key("gen_tokens").number(static_cast<int64_t>(options.gen_tokens));
    auto series = [&json](const char* name, const Series& s) {
      json.key(fmt::format("{}_tokens_per_second", name)).raw(fmt::format("{:.3f}", s.median()));
      json.key(fmt::format("{}_samples", name)).begin_array();
      for (double v : s.tokens_per_second) json.raw(fmt::format("{:.3f}", v));
      json.end_array();
    };
    series("pp", pp);
    series("tg", tg);
    json.key("peak_rss_bytes").number(rss);
    json.key("resident_bytes_without_libraries").number(model_rss);
    json.end_object();
    std::fputs(json.str().c_str(), stdout);
    return 0;
  }
  std::string out = fmt::format("model: {} ({}, plugin {} {}), threads {}, repeats {}, load {:.2f} s\n",
                                options.model.model_dir.string(), profile.architecture, model->plugin()->name(),
                                model->plugin()->version(), options.model.threads > 0 ? std::to_string(options.model.threads) : "default",
                                options.repeats, load_seconds);
  out += fmt::format("{:<10} {:>14} {:>12} {:>12}\n", "test", "t/s (median)", "min", "max");
  if (options.prompt_tokens > 0)
    out += fmt::format("{:<10} {:>14.2f} {:>12.2f} {:>12.2f}\n", fmt::format("pp{}", options.prompt_tokens), pp.median(),
                       pp.min(), pp.max());
  if (options.gen_tokens > 0)
    out += fmt::format("{:<10} {:>14.2f} {:>12.2f} {:>12.2f}\n", fmt::format("tg{}", options.gen_tokens), tg.median(),
                       tg.min(), tg.max());
  out += fmt::format("peak RSS: {:.1f} MiB\n", static_cast<double>(rss) / (1024.0 * 1024.0));
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace

Command add_bench_command(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* sub = app.add_subcommand("bench", "Measure prompt-processing and generation tokens/s (llama-bench style)");
  add_model_flags(sub, options->model);
  sub->add_option("--prompt-tokens", options->prompt_tokens, "Prompt length of the pp test (0 = skip)")->capture_default_str();
  sub->add_option("--gen-tokens", options->gen_tokens, "Generated tokens of the tg test (0 = skip)")->capture_default_str();
  sub->add_option("--repeats", options->repeats, "Timed repetitions (the median is reported)")->capture_default_str();
  sub->add_flag("--json", options->json, "Print JSON instead of a table");
  return {sub, [options, &global] { return run_bench(*options, global); }};
}

}  // namespace pio::cli
