#include "pio/generation/sampler.h"

#include <algorithm>
#include <cmath>
#include <functional>
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
  // NaN compares false, so it never replaces a number; a row of NaN gives index 0.
  size_t best = 0;
  float best_value = std::isnan(logits[0]) ? -std::numeric_limits<float>::infinity() : logits[0];
  for (size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > best_value) {
      best_value = logits[i];
      best = i;
    }
  }
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
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  const size_t n = logits.size();
  const size_t k = static_cast<size_t>(params_.top_k);
  candidates_.clear();
  bool id_order = true;  // candidates_ is in ascending id order (the canonical draw order)

  // top-k on the raw row (temperature > 0 does not change the order). The k-th largest logit is
  // the threshold and ties with it stay (HF removes only logits < the k-th). Small k: one pass
  // with a k-element min-heap, then one pass collecting survivors in id order; large k:
  // nth_element over all candidates.
  if (k > 0 && k < n && k <= kHeapTopK) {
    // One pass: the heap holds the k largest so far; every logit at or above its minimum at
    // the time is a possible survivor (the minimum only grows, so nothing that ends at or above
    // the final threshold is missed), and the final threshold prunes that short list.
    heap_.clear();
    for (size_t i = 0; i < n; ++i) {
      const float l = logits[i];
      if (!(l > kNegInf)) continue;  // -inf (masked) and NaN never win
      if (heap_.size() < k) {
        heap_.push_back(l);
        std::push_heap(heap_.begin(), heap_.end(), std::greater<>{});
      } else if (l > heap_.front()) {
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<>{});
        heap_.back() = l;
        std::push_heap(heap_.begin(), heap_.end(), std::greater<>{});
      } else if (l < heap_.front()) {
        continue;
      }
      candidates_.push_back({l, static_cast<int32_t>(i)});
    }
    const float threshold = heap_.size() < k ? kNegInf : heap_.front();
    std::erase_if(candidates_, [threshold](const Candidate& c) { return c.logit < threshold; });
  } else {
    candidates_.reserve(n);
    for (size_t i = 0; i < n; ++i)
      if (logits[i] > kNegInf) candidates_.push_back({logits[i], static_cast<int32_t>(i)});
    if (k > 0 && k < candidates_.size()) {
      std::nth_element(candidates_.begin(), candidates_.begin() + static_cast<long>(k - 1),
                       candidates_.end(), ByLogitDescending{});
      const float threshold = candidates_[k - 1].logit;
      auto end = std::partition(candidates_.begin() + static_cast<long>(k), candidates_.end(),
                                [threshold](const Candidate& c) { return c.logit >= threshold; });
      candidates_.erase(end, candidates_.end());
      id_order = false;
    }
  }
  if (candidates_.empty()) {  // everything masked: fall back to the argmax rule
    candidates_.push_back({0.0f, argmax(logits)});
    return;
  }

  // Temperature, on the survivors only.
  if (params_.temperature != 1.0f)
    for (Candidate& c : candidates_) c.logit /= params_.temperature;

  // top-p over the renormalised survivors: keep a token while the mass ranked above it is
  // < top_p (HF's ascending "cumulative <= 1 - top_p is removed", stated descending).
  if (params_.top_p < 1.0f && candidates_.size() > 1) {
    top_p_prefix();
    id_order = false;
  }

  // min-p: drop p < min_p * p_max, i.e. logit < max_logit + log(min_p); the top token stays.
  if (params_.min_p > 0.0f) {
    float max_logit = kNegInf;
    for (const Candidate& c : candidates_) max_logit = std::max(max_logit, c.logit);
    const double threshold =
        static_cast<double>(max_logit) + std::log(static_cast<double>(params_.min_p));
    std::erase_if(candidates_, [&](const Candidate& c) {
      return c.logit != max_logit && static_cast<double>(c.logit) < threshold;
    });
  }

  if (!id_order)
    std::sort(candidates_.begin(), candidates_.end(),
              [](const Candidate& a, const Candidate& b) { return a.id < b.id; });
}

void Sampler::top_p_prefix() {
  float max_logit = -std::numeric_limits<float>::infinity();
  for (const Candidate& c : candidates_) max_logit = std::max(max_logit, c.logit);
  double total = 0.0;
  for (Candidate& c : candidates_) {
    c.weight = std::exp(c.logit - max_logit);
    total += c.weight;
  }
  const double limit = static_cast<double>(params_.top_p) * total;

  // The answer m is the smallest count whose top-m mass reaches the limit (the token ranked m-th
  // is the last whose mass before it is < top_p). Weighted quickselect, O(n) expected, no full
  // sort. Invariants: [0, hi) holds the hi best candidates, [0, lo) the lo best with mass
  // `before` < limit, and lo < m <= hi.
  size_t lo = 0;
  size_t hi = candidates_.size();
  double before = 0.0;
  auto at = [this](size_t i) { return candidates_.begin() + static_cast<long>(i); };
  while (hi - lo > 1) {
    const size_t mid = lo + (hi - lo) / 2;
    std::nth_element(at(lo), at(mid), at(hi), ByLogitDescending{});
    double mass = before;
    for (size_t i = lo; i < mid; ++i) mass += candidates_[i].weight;
    if (mass >= limit) {
      hi = mid;
    } else {
      before = mass;
      lo = mid;
    }
  }
  candidates_.resize(hi);
}

int32_t Sampler::sample(std::span<float> logits) {
  if (logits.empty()) throw_error(ErrorCode::kInvalidArgument, "sampler: empty logits row");
  apply_penalties(logits);
  if (params_.greedy()) return argmax(logits);
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
  filter(logits);
  std::vector<int32_t> ids;
  ids.reserve(candidates_.size());
  for (const Candidate& c : candidates_) ids.push_back(c.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace pio
