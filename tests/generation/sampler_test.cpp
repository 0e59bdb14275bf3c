// Sampler: greedy, seeds, the exact sets top-k / top-p / min-p keep, penalties, and agreement
// with an independent brute-force implementation of HF's processor order.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "pio/generation/sampler.h"
#include "pio/sdk/error.h"

using pio::Sampler;
using pio::SamplingParams;

namespace {

std::vector<float> random_logits(size_t n, uint64_t seed, float scale = 4.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> logits(n);
  for (float& l : logits) l = dist(rng);
  return logits;
}

std::vector<float> log_probs(std::vector<double> probs) {
  std::vector<float> logits;
  for (double p : probs) logits.push_back(static_cast<float>(std::log(p)));
  return logits;
}

SamplingParams sampling(float temperature, int32_t top_k, float top_p, float min_p) {
  SamplingParams p;
  p.temperature = temperature;
  p.top_k = top_k;
  p.top_p = top_p;
  p.min_p = min_p;
  p.seed = 1;
  return p;
}

std::vector<int32_t> keep(const SamplingParams& params, std::vector<float> logits) {
  Sampler sampler(params);
  return sampler.candidates(logits);
}

// Brute force in HF's order with a full sort and double precision: temperature, top-k (ties
// with the k-th kept), top-p (ascending cumulative <= 1 - p removed), min-p.
std::vector<int32_t> reference_keep(const SamplingParams& p, const std::vector<float>& logits) {
  std::vector<double> l(logits.begin(), logits.end());
  for (double& v : l) v /= p.temperature;
  std::vector<int32_t> order(l.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return l[a] > l[b] || (l[a] == l[b] && a < b); });
  std::vector<int32_t> kept = order;
  if (p.top_k > 0 && static_cast<size_t>(p.top_k) < kept.size()) {
    const double kth = l[kept[p.top_k - 1]];
    std::erase_if(kept, [&](int32_t id) { return l[id] < kth; });
  }
  if (p.top_p < 1.0f) {
    double total = 0;
    for (int32_t id : kept) total += std::exp(l[id] - l[kept[0]]);
    double before = 0;
    size_t n = 0;
    while (n < kept.size() && (n == 0 || before / total < p.top_p)) before += std::exp(l[kept[n++]] - l[kept[0]]);
    kept.resize(n);
  }
  if (p.min_p > 0.0f) {
    const double top = l[kept[0]];
    std::erase_if(kept, [&](int32_t id) { return std::exp(l[id] - top) < p.min_p; });
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

}  // namespace

TEST_CASE("temperature 0 is greedy argmax, lowest id on ties", "[sampler]") {
  std::vector<float> logits = random_logits(1000, 7);
  const auto best = std::max_element(logits.begin(), logits.end()) - logits.begin();
  Sampler sampler(sampling(0.0f, 20, 0.5f, 0.1f));
  for (int i = 0; i < 5; ++i) {
    std::vector<float> row = logits;
    CHECK(sampler.sample(row) == best);
  }
  std::vector<float> ties = {1.0f, 3.0f, -2.0f, 3.0f, 3.0f};
  CHECK(sampler.sample(ties) == 1);
  CHECK(pio::argmax(std::vector<float>{-5.0f, -1.0f, -3.0f}) == 1);
}

TEST_CASE("a seed reproduces the same draws; other seeds differ", "[sampler]") {
  const std::vector<float> logits = random_logits(151936, 11, 2.0f);
  auto draw = [&](uint64_t seed) {
    SamplingParams p = sampling(0.8f, 0, 1.0f, 0.0f);
    p.seed = seed;
    Sampler sampler(p);
    std::vector<int32_t> ids;
    for (int i = 0; i < 50; ++i) {
      std::vector<float> row = logits;
      ids.push_back(sampler.sample(row));
    }
    return ids;
  };
  const auto a = draw(42);
  CHECK(a == draw(42));
  CHECK(a != draw(43));
  SamplingParams unseeded = sampling(0.8f, 0, 1.0f, 0.0f);
  unseeded.seed.reset();
  Sampler drawn(unseeded);
  SamplingParams replay = unseeded;
  replay.seed = drawn.seed();
  Sampler again(replay);
  for (int i = 0; i < 20; ++i) {
    std::vector<float> r1 = logits, r2 = logits;
    CHECK(drawn.sample(r1) == again.sample(r2));
  }
}

TEST_CASE("top-k keeps exactly the k largest, plus ties with the k-th", "[sampler]") {
  const std::vector<float> logits = {0.1f, 2.5f, -1.0f, 3.0f, 2.5f, 0.7f, 2.0f, -4.0f};
  CHECK(keep(sampling(1.0f, 1, 1.0f, 0.0f), logits) == std::vector<int32_t>{3});
  CHECK(keep(sampling(1.0f, 3, 1.0f, 0.0f), logits) == std::vector<int32_t>{1, 3, 4});
  // k = 2 ends on a tie (2.5 twice): HF removes only logits < the k-th, so both stay.
  CHECK(keep(sampling(1.0f, 2, 1.0f, 0.0f), logits) == std::vector<int32_t>{1, 3, 4});
  CHECK(keep(sampling(1.0f, 4, 1.0f, 0.0f), logits) == std::vector<int32_t>{1, 3, 4, 6});
  CHECK(keep(sampling(1.0f, 100, 1.0f, 0.0f), logits).size() == logits.size());
  // Temperature does not change the order, so not the top-k set either.
  CHECK(keep(sampling(0.3f, 3, 1.0f, 0.0f), logits) == std::vector<int32_t>{1, 3, 4});
}

TEST_CASE("top-p keeps tokens while the mass ranked above them is below p", "[sampler]") {
  // probabilities 0.5 0.3 0.15 0.05 at shuffled ids
  const std::vector<float> logits = log_probs({0.15, 0.5, 0.05, 0.3});
  CHECK(keep(sampling(1.0f, 0, 0.4f, 0.0f), logits) == std::vector<int32_t>{1});
  CHECK(keep(sampling(1.0f, 0, 0.7f, 0.0f), logits) == std::vector<int32_t>{1, 3});
  CHECK(keep(sampling(1.0f, 0, 0.85f, 0.0f), logits) == std::vector<int32_t>{0, 1, 3});
  CHECK(keep(sampling(1.0f, 0, 0.97f, 0.0f), logits) == std::vector<int32_t>{0, 1, 2, 3});
  // After top-k = 2 the survivors renormalise to 0.625 / 0.375: p = 0.6 keeps one, 0.65 both.
  CHECK(keep(sampling(1.0f, 2, 0.6f, 0.0f), logits) == std::vector<int32_t>{1});
  CHECK(keep(sampling(1.0f, 2, 0.65f, 0.0f), logits) == std::vector<int32_t>{1, 3});
}

TEST_CASE("min-p drops tokens below min_p times the top probability", "[sampler]") {
  const std::vector<float> logits = log_probs({0.15, 0.5, 0.05, 0.3});
  CHECK(keep(sampling(1.0f, 0, 1.0f, 0.2f), logits) == std::vector<int32_t>{0, 1, 3});  // >= 0.1
  CHECK(keep(sampling(1.0f, 0, 1.0f, 0.5f), logits) == std::vector<int32_t>{1, 3});     // >= 0.25
  CHECK(keep(sampling(1.0f, 0, 1.0f, 0.99f), logits) == std::vector<int32_t>{1});
  // Temperature 0.5 squares the ratios: 0.3/0.5 -> 0.36, 0.15/0.5 -> 0.09.
  CHECK(keep(sampling(0.5f, 0, 1.0f, 0.2f), logits) == std::vector<int32_t>{1, 3});
}

TEST_CASE("filters agree with a brute-force HF-order reference on wide random rows", "[sampler]") {
  std::mt19937_64 rng(2024);
  for (int trial = 0; trial < 40; ++trial) {
    const size_t vocab = trial % 4 == 0 ? 151936 : 3000;
    const std::vector<float> logits = random_logits(vocab, 100 + trial, 1.0f + static_cast<float>(trial % 5));
    const float temps[] = {0.3f, 0.7f, 1.0f, 1.5f};
    const int32_t ks[] = {0, 1, 20, 50, 500};
    const float ps[] = {1.0f, 0.95f, 0.8f, 0.5f};
    const float mins[] = {0.0f, 0.05f, 0.2f};
    SamplingParams p = sampling(temps[rng() % 4], ks[rng() % 5], ps[rng() % 4], mins[rng() % 3]);
    INFO("trial " << trial << " T=" << p.temperature << " k=" << p.top_k << " p=" << p.top_p
                  << " min_p=" << p.min_p);
    CHECK(keep(p, logits) == reference_keep(p, logits));
  }
}

TEST_CASE("draws follow the filtered distribution", "[sampler]") {
  const std::vector<float> logits = log_probs({0.6, 0.3, 0.1});
  Sampler sampler(sampling(1.0f, 0, 1.0f, 0.0f));
  std::map<int32_t, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    std::vector<float> row = logits;
    ++counts[sampler.sample(row)];
  }
  CHECK(counts[0] / double(n) == Approx(0.6).margin(0.015));
  CHECK(counts[1] / double(n) == Approx(0.3).margin(0.015));
  CHECK(counts[2] / double(n) == Approx(0.1).margin(0.015));

  // top-p 0.85 leaves {0, 1}: renormalised 2/3, 1/3, and token 2 never appears.
  Sampler nucleus(sampling(1.0f, 0, 0.85f, 0.0f));
  counts.clear();
  for (int i = 0; i < n; ++i) {
    std::vector<float> row = logits;
    ++counts[nucleus.sample(row)];
  }
  CHECK(counts[2] == 0);
  CHECK(counts[0] / double(n) == Approx(2.0 / 3.0).margin(0.015));
}

TEST_CASE("repetition penalty divides positive and multiplies negative logits of seen ids",
          "[sampler]") {
  SamplingParams p = sampling(1.0f, 0, 1.0f, 0.0f);
  p.repetition_penalty = 1.25f;
  Sampler sampler(p);
  const std::vector<int32_t> prompt = {0, 1, 1};
  sampler.reset(prompt);
  sampler.accept(3);
  std::vector<float> row = {2.0f, -1.0f, 0.5f, 4.0f, -3.0f};
  sampler.candidates(row);
  CHECK(row[0] == Approx(1.6f));
  CHECK(row[1] == Approx(-1.25f));  // once, although it occurs twice
  CHECK(row[2] == 0.5f);
  CHECK(row[3] == Approx(3.2f));
  CHECK(row[4] == -3.0f);
  // Greedy sees the penalised row: 4.0 -> 3.2 still wins against 2.9, 3.0/1.25 = 2.4 loses.
  SamplingParams g = p;
  g.temperature = 0.0f;
  Sampler greedy(g);
  greedy.reset(std::vector<int32_t>{0});
  std::vector<float> r2 = {3.0f, 2.9f};
  CHECK(greedy.sample(r2) == 1);
}

TEST_CASE("presence and frequency penalties count generated ids only", "[sampler]") {
  SamplingParams p = sampling(1.0f, 0, 1.0f, 0.0f);
  p.presence_penalty = 0.5f;
  p.frequency_penalty = 0.25f;
  Sampler sampler(p);
  sampler.reset(std::vector<int32_t>{0, 0, 0});  // prompt ids are not penalised
  sampler.accept(2);
  sampler.accept(2);
  sampler.accept(1);
  std::vector<float> row = {1.0f, 1.0f, 1.0f, 1.0f};
  sampler.candidates(row);
  CHECK(row[0] == 1.0f);
  CHECK(row[1] == Approx(1.0f - 0.5f - 0.25f));
  CHECK(row[2] == Approx(1.0f - 0.5f - 0.5f));
  CHECK(row[3] == 1.0f);
}

TEST_CASE("masked rows and bad parameters", "[sampler]") {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> row = {-inf, 0.5f, -inf, 0.2f};
  Sampler sampler(sampling(1.0f, 0, 1.0f, 0.0f));
  for (int i = 0; i < 50; ++i) {
    std::vector<float> r = row;
    const int32_t id = sampler.sample(r);
    CHECK((id == 1 || id == 3));
  }
  std::vector<float> empty;
  CHECK_THROWS_AS(sampler.sample(empty), pio::Error);
  CHECK_THROWS_AS(Sampler(sampling(-1.0f, 0, 1.0f, 0.0f)), pio::Error);
  CHECK_THROWS_AS(Sampler(sampling(1.0f, -2, 1.0f, 0.0f)), pio::Error);
  CHECK_THROWS_AS(Sampler(sampling(1.0f, 0, 0.0f, 0.0f)), pio::Error);
  CHECK_THROWS_AS(Sampler(sampling(1.0f, 0, 1.0f, 1.5f)), pio::Error);
}

TEST_CASE("generation_config defaults follow HF do_sample semantics", "[sampler]") {
  pio::GenerationDefaults d;
  d.temperature = 0.6f;
  d.top_k = 20;
  d.top_p = 0.95f;
  CHECK(pio::sampling_params_from_defaults(d).greedy());  // do_sample absent = false in HF
  d.do_sample = true;
  const SamplingParams p = pio::sampling_params_from_defaults(d);
  CHECK(p.temperature == 0.6f);
  CHECK(p.top_k == 20);
  CHECK(p.top_p == 0.95f);
  CHECK(p.min_p == 0.0f);
}
