// SamplingParams — how the next token is chosen from a logits row.
//
// Defaults are "no-op" values (greedy off, no filter, no penalty); a model's
// generation_config.json supplies the real defaults through sampling_params_from_config(), and a
// request (CLI flags, API fields) overrides single fields on top of that.
#pragma once

#include <cstdint>
#include <optional>

namespace pio {

struct SamplingParams {
  // Softmax temperature. 0 (or any value <= 0) selects greedy argmax and skips every filter.
  float temperature = 1.0f;
  // Keep the k most likely tokens (ties with the k-th are kept, as HF does); 0 = disabled.
  int32_t top_k = 0;
  // Nucleus: keep the most likely tokens whose mass before them is < top_p; 1 = disabled.
  float top_p = 1.0f;
  // Drop tokens whose probability is below min_p × the top probability; 0 = disabled.
  float min_p = 0.0f;
  // HF repetition penalty over prompt + generated tokens: positive logits of seen tokens are
  // divided by it, negative ones multiplied; 1 = disabled.
  float repetition_penalty = 1.0f;
  // OpenAI penalties over generated tokens only (as vLLM): logit -= presence × [count > 0]
  // + frequency × count. 0 = disabled.
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  // Seed of the std::mt19937_64 the sampler draws from. Absent: a seed is drawn from
  // std::random_device and reported in the generation result, so any run can be replayed.
  std::optional<uint64_t> seed;

  bool greedy() const { return !(temperature > 0.0f); }
};

// The sampling fields of a checkpoint's generation_config.json, as plain values. Absent fields
// keep their "no-op" meaning. do_sample=false in the checkpoint means greedy (temperature 0).
struct GenerationDefaults {
  std::optional<bool> do_sample;
  std::optional<float> temperature;
  std::optional<int32_t> top_k;
  std::optional<float> top_p;
  std::optional<float> min_p;
  std::optional<float> repetition_penalty;
  std::optional<float> presence_penalty;
};

// Builds SamplingParams from generation_config defaults with HF generate semantics: do_sample
// false or absent (HF's default) gives greedy (temperature 0); otherwise each present value is
// copied, and an absent top_k is HF's default 50. Never throws.
SamplingParams sampling_params_from_defaults(const GenerationDefaults& defaults);

// Checks ranges (temperature >= 0, top_k >= 0, 0 < top_p <= 1, 0 <= min_p <= 1,
// repetition_penalty > 0, |presence|, |frequency| <= 2 as OpenAI); throws pio::Error
// kInvalidArgument naming the field and the value.
void validate(const SamplingParams& params);

}  // namespace pio
