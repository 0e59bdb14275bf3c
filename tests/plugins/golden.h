// Golden-test harness for model plugins: loads a plugin from the build tree through the real
// host loader and ABI, reads the reference a tools/golden/ script recorded from transformers
// (reference.safetensors + reference.json), and checks a model against it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pio/host/model.h"
#include "pio/host/session.h"

namespace pio::test {

// ‖ours − transformers‖₂ / ‖transformers‖₂ per logits row, float32 on both sides.
constexpr double kLogitsTolerance = 1e-4;

// tests/fixtures/<relative>.
std::filesystem::path fixture_dir(const std::string& relative);

// Loads `model_dir` with the build tree's plugin `plugin_name`, through discovery, the loader
// (versioned copy, ABI checks) and model_load. options_json as in the ABI (may be empty).
std::shared_ptr<host::Model> load_model(const std::string& plugin_name,
                                        const std::filesystem::path& model_dir,
                                        const std::string& options_json = {});

// A reference tensor [rows, cols] (f32), row-major.
struct ReferenceMatrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<float> values;

  std::span<const float> row(int64_t r) const {
    return {values.data() + r * cols, static_cast<size_t>(cols)};
  }
};

// What a golden fixture directory recorded.
struct GoldenReference {
  std::filesystem::path dir;
  std::vector<pio_token> input_ids;   // the evaluated sequence
  ReferenceMatrix logits;             // [n, V], one forward pass over input_ids
  ReferenceMatrix logits_step;        // [n, V], prefill then one token at a time with a cache
  size_t prefill_tokens = 0;
  std::vector<pio_token> greedy_new_ids;  // generate(do_sample=False) after input_ids

  static GoldenReference read(const std::filesystem::path& dir);
};

// The checks every decoder plugin passes (Catch2 CHECKs inside):
// all-position logits of one batch; prefill + single-token steps through the KV cache;
// the greedy continuation; truncating the cache to `keep` tokens and re-evaluating the rest.
void check_batch_logits(host::Model& model, const GoldenReference& ref);
void check_step_logits(host::Model& model, const GoldenReference& ref);
void check_greedy_continuation(host::Model& model, const GoldenReference& ref);
void check_truncate_and_reuse(host::Model& model, const GoldenReference& ref, size_t keep);

double relative_l2(std::span<const float> a, std::span<const float> b);
int64_t argmax(std::span<const float> values);

}  // namespace pio::test
