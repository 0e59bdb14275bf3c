#include "pio/generation/sampling_params.h"

#include <cmath>

#include "pio/sdk/error.h"

namespace pio {

SamplingParams sampling_params_from_defaults(const GenerationDefaults& defaults) {
  SamplingParams params;
  if (!defaults.do_sample.value_or(false)) {
    params.temperature = 0.0f;
  } else if (defaults.temperature) {
    params.temperature = *defaults.temperature;
  }
  if (!params.greedy()) params.top_k = defaults.top_k.value_or(50);  // HF GenerationConfig default
  if (defaults.top_p) params.top_p = *defaults.top_p;
  if (defaults.min_p) params.min_p = *defaults.min_p;
  if (defaults.repetition_penalty) params.repetition_penalty = *defaults.repetition_penalty;
  if (defaults.presence_penalty) params.presence_penalty = *defaults.presence_penalty;
  return params;
}

void validate(const SamplingParams& params) {
  auto bad = [](const char* field, double value, const char* rule) {
    throw_error(ErrorCode::kInvalidArgument, "sampling: {} = {} is out of range ({})", field, value,
                rule);
  };
  if (!(params.temperature >= 0.0f) || !std::isfinite(params.temperature))
    bad("temperature", params.temperature, "finite and >= 0");
  if (params.top_k < 0) bad("top_k", params.top_k, ">= 0, 0 disables");
  if (!(params.top_p > 0.0f && params.top_p <= 1.0f)) bad("top_p", params.top_p, "in (0, 1]");
  if (!(params.min_p >= 0.0f && params.min_p <= 1.0f)) bad("min_p", params.min_p, "in [0, 1]");
  if (!(params.repetition_penalty > 0.0f) || !std::isfinite(params.repetition_penalty))
    bad("repetition_penalty", params.repetition_penalty, "finite and > 0");
  if (!(std::fabs(params.presence_penalty) <= 2.0f))
    bad("presence_penalty", params.presence_penalty, "in [-2, 2]");
  if (!(std::fabs(params.frequency_penalty) <= 2.0f))
    bad("frequency_penalty", params.frequency_penalty, "in [-2, 2]");
}

}  // namespace pio
