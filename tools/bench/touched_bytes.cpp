// pio-touched-bytes: how many checkpoint bytes one decoded token reads, measured from the page
// tables of the process that runs the model, against the active-parameter bytes computed from
// config.json and the safetensors headers.
//
//   pio-touched-bytes --model DIR [--threads N] [--steps 3] [--json]
//
// 1. The checkpoint files are evicted from the page cache (posix_fadvise DONTNEED; only these
//    files), the model is loaded (the plugin mmaps the files), and the Rss of the checkpoint
//    mappings is read (/proc/self/smaps): after the load, after a 1-token prompt, after one decode
//    step. This is the simple "Rss growth" view; it includes the kernel's fault-around and
//    read-ahead, and pages that the prompt token already touched are not counted again.
// 2. Exact per-step view, repeated --steps times: the process's page-table entries of the
//    checkpoint are dropped (MADV_DONTNEED; the mapping stays), the file is evicted from the page
//    cache again (so fault-around finds no cached neighbours), one decode step runs, and
//    /proc/self/pagemap says which pages were mapped by it. Each touched page is attributed to the
//    tensors it overlaps: attention, router, experts (with the number of distinct experts per
//    layer), embedding, lm_head, norms. /proc/self/io read_bytes gives the bytes the step read
//    from storage (read-ahead included).
//
// Linux only. Not a test: prints numbers, asserts nothing.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "active_params.h"
#include "page_residency.h"
#include "pio/host/discovery.h"
#include "pio/host/registry.h"
#include "pio/host/session.h"
#include "pio/sdk/error.h"

namespace {

namespace fs = std::filesystem;
using namespace pio::bench;

struct Options {
  fs::path model_dir;
  int threads = 0;
  int steps = 3;
  int prompt_token = 9707;
  bool json = false;
};

constexpr double kMB = 1e6;

pio_token argmax(const std::vector<float>& logits) {
  return static_cast<pio_token>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

// Touched bytes of one measured step, by role, plus the experts seen per layer.
struct StepResult {
  std::array<uint64_t, kRoleCount> touched{};
  uint64_t total = 0;
  std::map<int, int> experts_per_layer;  // layer -> experts with >= half of their bytes touched
  std::map<int, int> partial_experts;    // layer -> experts with some (< half) bytes touched
  int64_t storage_read = -1;
  double seconds = 0;
};

uint64_t overlap_present(const std::vector<bool>& present, uint64_t page, uint64_t begin, uint64_t end) {
  uint64_t bytes = 0;
  for (uint64_t p = begin / page; p * page < end; ++p) {
    if (p >= present.size() || !present[p]) continue;
    const uint64_t lo = std::max(begin, p * page), hi = std::min(end, (p + 1) * page);
    bytes += hi - lo;
  }
  return bytes;
}

StepResult account(const CheckpointLayout& layout, const std::map<fs::path, std::vector<bool>>& present) {
  const uint64_t page = page_size();
  StepResult r;
  std::map<int, std::map<int, std::pair<uint64_t, uint64_t>>> expert_bytes;  // layer -> expert -> (touched, size)
  for (const CheckpointTensor& t : layout.tensors) {
    const auto& pages = present.at(t.file);
    const uint64_t touched = overlap_present(pages, page, t.file_begin, t.file_end);
    r.touched[static_cast<size_t>(t.role)] += touched;
    r.total += touched;
    for (const auto& [range, expert] : expert_slices(layout, t)) {
      auto& e = expert_bytes[t.layer][expert];
      e.first += overlap_present(pages, page, range.first, range.second);
      e.second += range.second - range.first;
    }
  }
  for (const auto& [layer, experts] : expert_bytes) {
    r.experts_per_layer[layer] = 0;
    r.partial_experts[layer] = 0;
    for (const auto& [expert, bytes] : experts) {
      if (bytes.first * 2 >= bytes.second) ++r.experts_per_layer[layer];
      else if (bytes.first > 0) ++r.partial_experts[layer];
    }
  }
  return r;
}

int run(const Options& options) {
  const CheckpointLayout layout = read_checkpoint_layout(options.model_dir);
  std::array<uint64_t, kRoleCount> active{}, stored{};
  uint64_t active_total = 0, stored_total = 0;
  for (const CheckpointTensor& t : layout.tensors) {
    const uint64_t a = active_bytes(layout, t);
    active[static_cast<size_t>(t.role)] += a;
    stored[static_cast<size_t>(t.role)] += t.bytes();
    active_total += a;
    stored_total += t.bytes();
  }

  for (const fs::path& file : layout.files) evict_from_page_cache(file);
  const int64_t io_before_load = storage_read_bytes();
  pio::host::ModelRegistry registry(pio::host::discover_plugins(pio::host::PluginSearchOptions{}));
  pio::host::RegistryLoadOptions load;
  if (options.threads > 0) load.model.options_json = fmt::format("{{\"threads\": {}}}", options.threads);
  auto model = registry.load_unregistered(options.model_dir, load);
  const int64_t io_after_load = storage_read_bytes();

  std::vector<FileMapping> mappings;
  for (const fs::path& file : layout.files) mappings.push_back(find_file_mapping(file));
  auto rss = [&mappings] {
    uint64_t total = 0;
    for (const FileMapping& m : mappings) total += resident_bytes(m);
    return total;
  };

  auto session = model->create_session(fmt::format("{{\"context_length\": {}}}", options.steps + 8));
  std::vector<float> logits(model->vocab_size());
  const uint64_t rss_load = rss();
  const pio_token prompt = static_cast<pio_token>(options.prompt_token);
  session->eval_into(std::span(&prompt, 1), pio::host::Logits::kLast, logits);
  const uint64_t rss_prompt = rss();
  pio_token next = argmax(logits);
  session->eval_into(std::span(&next, 1), pio::host::Logits::kLast, logits);
  const uint64_t rss_decode = rss();
  next = argmax(logits);

  std::vector<StepResult> steps;
  for (int s = 0; s < options.steps; ++s) {
    for (const FileMapping& m : mappings) forget_pages(m);
    for (const fs::path& file : layout.files) evict_from_page_cache(file);
    const int64_t io0 = storage_read_bytes();
    const auto t0 = std::chrono::steady_clock::now();
    session->eval_into(std::span(&next, 1), pio::host::Logits::kLast, logits);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int64_t io1 = storage_read_bytes();
    next = argmax(logits);
    std::map<fs::path, std::vector<bool>> present;
    for (const FileMapping& m : mappings) present[m.path] = present_pages(m);
    StepResult r = account(layout, present);
    r.storage_read = (io0 >= 0 && io1 >= 0) ? io1 - io0 : -1;
    r.seconds = seconds;
    steps.push_back(std::move(r));
  }

  if (options.json) {
    std::string out = "{";
    out += fmt::format("\"model\": \"{}\", \"page_size\": {}, \"num_experts\": {}, \"experts_per_token\": {}, ",
                       options.model_dir.filename().string(), page_size(), layout.num_experts, layout.experts_per_token);
    out += fmt::format("\"checkpoint_bytes\": {}, \"active_bytes\": {}, ", stored_total, active_total);
    out += fmt::format("\"storage_read_during_load\": {}, ", io_after_load - io_before_load);
    out += fmt::format("\"rss_after_load\": {}, \"rss_after_prompt\": {}, \"rss_after_first_decode\": {}, ", rss_load,
                       rss_prompt, rss_decode);
    out += "\"active_by_role\": {";
    for (int i = 0; i < kRoleCount; ++i)
      out += fmt::format("{}\"{}\": {}", i ? ", " : "", role_name(static_cast<TensorRole>(i)), active[static_cast<size_t>(i)]);
    out += "}, \"stored_by_role\": {";
    for (int i = 0; i < kRoleCount; ++i)
      out += fmt::format("{}\"{}\": {}", i ? ", " : "", role_name(static_cast<TensorRole>(i)), stored[static_cast<size_t>(i)]);
    out += "}, \"steps\": [";
    for (size_t s = 0; s < steps.size(); ++s) {
      const StepResult& r = steps[s];
      out += fmt::format("{}{{\"touched_bytes\": {}, \"storage_read_bytes\": {}, \"seconds\": {:.4f}, \"touched_by_role\": {{",
                         s ? ", " : "", r.total, r.storage_read, r.seconds);
      for (int i = 0; i < kRoleCount; ++i)
        out += fmt::format("{}\"{}\": {}", i ? ", " : "", role_name(static_cast<TensorRole>(i)), r.touched[static_cast<size_t>(i)]);
      out += "}, \"experts_per_layer\": [";
      bool first = true;
      for (const auto& [layer, n] : r.experts_per_layer) {
        out += fmt::format("{}{}", first ? "" : ", ", n);
        first = false;
      }
      out += "]}";
    }
    out += "]}\n";
    std::fputs(out.c_str(), stdout);
    return 0;
  }

  std::string out = fmt::format("model: {}  ({} file(s), page {} B, {} experts, top-{})\n", options.model_dir.string(),
                                layout.files.size(), page_size(), layout.num_experts, layout.experts_per_token);
  out += fmt::format("checkpoint {:.1f} MB; active parameters per token {:.1f} MB\n", stored_total / kMB,
                     active_total / kMB);
  out += fmt::format("load: read {:.1f} MB from storage; checkpoint Rss after load {:.1f} MB, after a 1-token prompt "
                     "{:.1f} MB (+{:.1f}), after one decode step {:.1f} MB (+{:.1f})\n",
                     (io_after_load - io_before_load) / kMB, rss_load / kMB, rss_prompt / kMB,
                     (static_cast<double>(rss_prompt) - static_cast<double>(rss_load)) / kMB, rss_decode / kMB,
                     (static_cast<double>(rss_decode) - static_cast<double>(rss_prompt)) / kMB);
  out += fmt::format("\n{:<12} {:>12} {:>12}", "role", "stored MB", "active MB");
  for (size_t s = 0; s < steps.size(); ++s) out += fmt::format(" {:>12}", fmt::format("step{} MB", s + 1));
  out += "\n";
  for (int i = 0; i < kRoleCount; ++i) {
    const size_t k = static_cast<size_t>(i);
    if (stored[k] == 0) continue;
    out += fmt::format("{:<12} {:>12.2f} {:>12.2f}", role_name(static_cast<TensorRole>(i)), stored[k] / kMB, active[k] / kMB);
    for (const StepResult& r : steps) out += fmt::format(" {:>12.2f}", r.touched[k] / kMB);
    out += "\n";
  }
  out += fmt::format("{:<12} {:>12.2f} {:>12.2f}", "total", stored_total / kMB, active_total / kMB);
  for (const StepResult& r : steps) out += fmt::format(" {:>12.2f}", r.total / kMB);
  out += "\n";
  out += fmt::format("{:<12} {:>12} {:>12}", "storage read", "", "");
  for (const StepResult& r : steps) out += fmt::format(" {:>12.2f}", r.storage_read / kMB);
  out += "\n";
  if (layout.num_experts > 0) {
    for (size_t s = 0; s < steps.size(); ++s) {
      out += fmt::format("step{}: experts touched per layer (>= half their bytes):", s + 1);
      for (const auto& [layer, n] : steps[s].experts_per_layer) out += fmt::format(" {}", n);
      out += "; partly touched:";
      for (const auto& [layer, n] : steps[s].partial_experts) out += fmt::format(" {}", n);
      out += fmt::format("  ({:.2f} s cold)\n", steps[s].seconds);
    }
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pio-touched-bytes: checkpoint bytes read per decoded token vs the active-parameter bytes"};
  Options options;
  app.add_option("--model", options.model_dir, "Hugging Face model directory")->required()->check(CLI::ExistingDirectory);
  app.add_option("--threads", options.threads, "CPU threads (0 = the plugin's default)");
  app.add_option("--steps", options.steps, "Measured decode steps")->check(CLI::Range(1, 64));
  app.add_option("--prompt-token", options.prompt_token, "Token id of the 1-token prompt");
  app.add_flag("--json", options.json, "One JSON object on stdout");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pio-touched-bytes: error: %s\n", e.what());
    return 1;
  }
}
