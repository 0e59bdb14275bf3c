// Sampler — picks the next token from one float logits row, shared by every model family.
//
// Order (HF generate): repetition penalty → presence/frequency penalties → temperature → top-k →
// top-p → min-p → draw. Temperature 0 is greedy argmax of the penalised row (lowest id on ties).
// Filters never remove the most likely token, so at least one token always survives.
//
// Random numbers: std::mt19937_64 seeded with SamplingParams::seed (or a std::random_device
// draw, see seed()); each draw takes one 64-bit output and maps its top 53 bits to a double in
// [0, 1), so a seed gives the same tokens on every platform (no std::*_distribution).
//
// Speed: on a 151,936-wide row nothing is ever fully sorted. top-k (k <= 512) is one pass with
// a k-element heap; temperature and the other filters then touch only the survivors; top-p
// without top-k is a weighted quickselect (O(vocab) expected). Survivors are drawn in ascending
// id order, so the result does not depend on how the standard library orders equal elements.
//
// Thread-safety: one Sampler per generation; not shared between threads.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pio/generation/sampling_params.h"

namespace pio {

class Sampler {
 public:
  // Validates params (throws pio::Error kInvalidArgument) and seeds the generator.
  explicit Sampler(const SamplingParams& params);

  // Forgets all history, then records the prompt: its tokens count for the repetition penalty
  // (HF penalises every id in input_ids) but not for presence/frequency (generated only).
  void reset(std::span<const int32_t> prompt_tokens);

  // Records a token the generation produced (call it after sample(), with the chosen id).
  void accept(int32_t token);

  // Chooses the next token. The penalties are applied to `logits` ([vocab]) in place, which
  // saves a copy of the row; pass a scratch copy if the caller needs the original.
  // Throws pio::Error kInvalidArgument on an empty row.
  int32_t sample(std::span<float> logits);

  // The set of tokens (ascending id) that the filters of the current params keep on this row;
  // for tests and diagnostics. Applies the penalties to `logits` as sample() does. Greedy
  // keeps exactly the argmax.
  std::vector<int32_t> candidates(std::span<float> logits);

  uint64_t seed() const { return seed_; }
  const SamplingParams& params() const { return params_; }

 private:
  struct Candidate {
    float logit;        // penalised, then divided by the temperature
    int32_t id;
    float weight = 0;   // exp(logit - max), scratch of top-p
  };
  static constexpr size_t kHeapTopK = 512;

  void apply_penalties(std::span<float> logits) const;
  // Fills candidates_ with the tokens that top-k, top-p and min-p keep (never empty).
  void filter(std::span<const float> logits);
  // Cuts candidates_ to the top-p prefix (in no particular order).
  void top_p_prefix();
  double uniform();

  SamplingParams params_;
  uint64_t seed_;
  std::mt19937_64 rng_;
  std::unordered_set<int32_t> seen_;                 // prompt + generated, for repetition
  std::unordered_map<int32_t, int32_t> generated_;  // id -> count, for presence/frequency
  std::vector<Candidate> candidates_;                // scratch, reused across steps
  std::vector<double> probs_;                        // scratch
  std::vector<float> heap_;                          // scratch of top-k
};

// Index of the largest value (lowest index on ties). Throws pio::Error on an empty row.
int32_t argmax(std::span<const float> logits);

}  // namespace pio
