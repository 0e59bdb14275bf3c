#include "pio/generation/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "pio/sdk/error.h"

namespace pio {
namespace {

// Descending logit, then ascending id: a total order, so results never depend on the
// standard library's sort or nth_element implementation.
struct ByLogitDescending {
  template <typename C>
  bool operator()(const C& a, const C& b) const {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  }
};

uint64_t draw_seed(const SamplingParams& params) {
  if (params.seed) return *params.seed;
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

int32_t argmax(std::span<const float> logits) {
  if (logits.empty()) throw_error(ErrorCode::kInvalidArgument, "sampler: empty logits row");
  size_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i)
    if (logits[i] > logits[best] || std::isnan(logits[best])) best = i;
  return static_cast<int32_t>(best);
}

Sampler::Sampler(const SamplingParams& params)
    : params_(params), seed_(draw_seed(params)), rng_(seed_) {
  validate(params_);
}

void Sampler::reset(std::span<const int32_t> prompt_tokens) {
  seen_.clear();
  generated_.clear();
  if (params_.repetition_penalty != 1.0f) seen_.insert(prompt_tokens.begin(), prompt_tokens.end());
}

void Sampler::accept(int32_t token) {
  if (params_.repetition_penalty != 1.0f) seen_.insert(token);
  ++generated_[token];
}

void Sampler::apply_penalties(std::span<float> logits) const {
  const auto vocab = static_cast<int64_t>(logits.size());
  auto in_row = [vocab](int32_t id) { return id >= 0 && id < vocab; };
  if (params_.repetition_penalty != 1.0f) {
    const float penalty = params_.repetition_penalty;
    for (int32_t id : seen_) {
      if (!in_row(id)) continue;
      float& l = logits[static_cast<size_t>(id)];
      l = l < 0.0f ? l * penalty : l / penalty;
    }
  }
  if (params_.presence_penalty != 0.0f || params_.frequency_penalty != 0.0f) {
    for (const auto& [id, count] : generated_) {
      if (!in_row(id)) continue;
      logits[static_cast<size_t>(id)] -=
          params_.presence_penalty + params_.frequency_penalty * static_cast<float>(count);
    }
  }
}

double Sampler::uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

void Sampler::filter(std::span<const float> logits) {
  candidates_.clear();
  candidates_.reserve(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    const float l = logits[i];
    // -inf (masked) and NaN never win; +inf is kept and dominates.
    if (l > -std::numeric_limits<float>::infinity())
      candidates_.push_back({l, static_cast<int32_t>(i)});
  }
  if (candidates_.empty()) {  // everything masked: fall back to the first index
    candidates_.push_back({0.0f, argmax(logits)});
    return;
  }

  // top-k: the k-th largest logit is the threshold; ties with it are kept (HF: logits < kth
  // are removed). nth_element is O(vocab); only the survivors get sorted.
  bool sorted = false;
  const size_t k = static_cast<size_t>(params_.top_k);
  if (k > 0 && k < candidates_.size()) {
    std::nth_element(candidates_.begin(), candidates_.begin() + static_cast<long>(k - 1),
                     candidates_.end(), ByLogitDescending{});
    const float threshold = candidates_[k - 1].logit;
    auto end = std::partition(candidates_.begin() + static_cast<long>(k), candidates_.end(),
                              [threshold](const Candidate& c) { return c.logit >= threshold; });
    candidates_.erase(end, candidates_.end());
    std::sort(candidates_.begin(), candidates_.end(), ByLogitDescending{});
    sorted = true;
  }

  // top-p over the renormalised survivors: keep a token while the mass ranked above it is
  // < top_p (HF's ascending "cumulative <= 1 - top_p is removed", stated descending). Without
  // top-k the row is wide: sort a growing prefix (nth_element + sort) until it covers top_p.
  if (params_.top_p < 1.0f) {
    float max_logit = -std::numeric_limits<float>::infinity();
    for (const Candidate& c : candidates_) max_logit = std::max(max_logit, c.logit);
    double total = 0.0;
    for (const Candidate& c : candidates_) total += std::exp(static_cast<double>(c.logit - max_logit));
    const double mass_limit = static_cast<double>(params_.top_p) * total;
    size_t prefix = sorted ? candidates_.size() : std::min<size_t>(candidates_.size(), 256);
    while (true) {
      if (!sorted) {
        std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<long>(prefix),
                          candidates_.end(), ByLogitDescending{});
      }
      double before = 0.0;
      size_t keep = 0;
      while (keep < prefix && (keep == 0 || before < mass_limit)) {
        before += std::exp(static_cast<double>(candidates_[keep].logit - max_logit));
        ++keep;
      }
      if (keep < prefix || prefix == candidates_.size()) {
        candidates_.resize(keep);
        break;
      }
      prefix = std::min(candidates_.size(), prefix * 8);
    }
  }

  // min-p: drop p < min_p * p_max, i.e. logit < max_logit + log(min_p); the top token stays.
  if (params_.min_p > 0.0f) {
    float max_logit = -std::numeric_limits<float>::infinity();
    for (const Candidate& c : candidates_) max_logit = std::max(max_logit, c.logit);
    const double threshold = static_cast<double>(max_logit) + std::log(static_cast<double>(params_.min_p));
    std::erase_if(candidates_, [&](const Candidate& c) {
      return c.logit != max_logit && static_cast<double>(c.logit) < threshold;
    });
  }
}

int32_t Sampler::sample(std::span<float> logits) {
  if (logits.empty()) throw_error(ErrorCode::kInvalidArgument, "sampler: empty logits row");
  apply_penalties(logits);
  if (params_.greedy()) return argmax(logits);
  if (params_.temperature != 1.0f)
    for (float& l : logits) l /= params_.temperature;
  filter(logits);
  if (candidates_.size() == 1) return candidates_.front().id;

  float max_logit = -std::numeric_limits<float>::infinity();
  for (const Candidate& c : candidates_) max_logit = std::max(max_logit, c.logit);
  probs_.resize(candidates_.size());
  double total = 0.0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    // +inf logits: inf - inf is NaN; give such tokens weight 1 and all finite ones weight 0.
    const double d = static_cast<double>(candidates_[i].logit) - static_cast<double>(max_logit);
    probs_[i] = std::isnan(d) ? 1.0 : std::exp(d);
    total += probs_[i];
  }
  double target = uniform() * total;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    target -= probs_[i];
    if (target < 0.0) return candidates_[i].id;
  }
  return candidates_.back().id;  // rounding left a sliver of mass
}

std::vector<int32_t> Sampler::candidates(std::span<float> logits) {
  if (logits.empty()) throw_error(ErrorCode::kInvalidArgument, "sampler: empty logits row");
  apply_penalties(logits);
  if (params_.greedy()) return {argmax(logits)};
  if (params_.temperature != 1.0f)
    for (float& l : logits) l /= params_.temperature;
  filter(logits);
  std::vector<int32_t> ids;
  ids.reserve(candidates_.size());
  for (const Candidate& c : candidates_) ids.push_back(c.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace pio
