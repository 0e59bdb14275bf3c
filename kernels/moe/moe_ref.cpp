// Naive double-precision MoE references; see moe_ref.h for the contract.
#include "moe/moe_ref.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace tops::ref {
namespace {

// Indices of the k largest values, in descending value order; ties resolved to the lower index.
std::vector<int64_t> top_k_indices(const std::vector<double>& values, int64_t k) {
  std::vector<int64_t> order(values.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return values[a] > values[b]; });
  order.resize(static_cast<size_t>(k));
  return order;
}

double silu(double v) { return v / (1.0 + std::exp(-v)); }

}  // namespace

void moe_route_softmax(const float* logits, int64_t n_tokens, int64_t n_experts, int64_t top_k,
                       bool normalize, int32_t* ids, double* weights) {
  std::vector<double> p(static_cast<size_t>(n_experts));
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float* row = logits + t * n_experts;
    double max_logit = -std::numeric_limits<double>::infinity();
    for (int64_t e = 0; e < n_experts; ++e) max_logit = std::max(max_logit, double(row[e]));
    double sum = 0.0;
    for (int64_t e = 0; e < n_experts; ++e) {
      p[e] = std::exp(double(row[e]) - max_logit);
      sum += p[e];
    }
    for (auto& v : p) v /= sum;
    const auto chosen = top_k_indices(p, top_k);
    double chosen_sum = 0.0;
    for (int64_t j = 0; j < top_k; ++j) chosen_sum += p[chosen[j]];
    for (int64_t j = 0; j < top_k; ++j) {
      ids[t * top_k + j] = static_cast<int32_t>(chosen[j]);
      weights[t * top_k + j] = normalize ? p[chosen[j]] / chosen_sum : p[chosen[j]];
    }
  }
}

void moe_route_sigmoid(const float* logits, const float* bias, int64_t n_tokens,
                       int64_t n_experts, int64_t top_k, int64_t n_group, int64_t topk_group,
                       bool normalize, double routed_scaling_factor, int32_t* ids,
                       double* weights) {
  const int64_t group_size = n_experts / n_group;
  std::vector<double> score(static_cast<size_t>(n_experts));
  std::vector<double> choice(static_cast<size_t>(n_experts));
  std::vector<double> group_score(static_cast<size_t>(n_group));
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t e = 0; e < n_experts; ++e) {
      score[e] = 1.0 / (1.0 + std::exp(-double(logits[t * n_experts + e])));
      choice[e] = score[e] + (bias ? double(bias[e]) : 0.0);
    }
    // HF computes the group mask unconditionally; with n_group == 1 it keeps everything.
    if (n_group > 1) {
      for (int64_t grp = 0; grp < n_group; ++grp) {
        std::vector<double> members(choice.begin() + grp * group_size,
                                    choice.begin() + (grp + 1) * group_size);
        const auto best = top_k_indices(members, 2);
        group_score[grp] = members[best[0]] + members[best[1]];
      }
      const auto kept = top_k_indices(group_score, topk_group);
      for (int64_t grp = 0; grp < n_group; ++grp) {
        if (std::find(kept.begin(), kept.end(), grp) != kept.end()) continue;
        for (int64_t e = grp * group_size; e < (grp + 1) * group_size; ++e) {
          choice[e] = -std::numeric_limits<double>::infinity();
        }
      }
    }
    const auto chosen = top_k_indices(choice, top_k);
    double chosen_sum = 0.0;
    for (int64_t j = 0; j < top_k; ++j) chosen_sum += score[chosen[j]];
    for (int64_t j = 0; j < top_k; ++j) {
      double w = score[chosen[j]];
      if (normalize) w /= chosen_sum + 1e-20;
      ids[t * top_k + j] = static_cast<int32_t>(chosen[j]);
      weights[t * top_k + j] = w * routed_scaling_factor;
    }
  }
}

void moe_experts(const float* x, const int32_t* ids, const double* weights, int64_t n_tokens,
                 int64_t top_k, int64_t hidden, int64_t inter, const float* const* gate,
                 const float* const* up, const float* const* down, double* y) {
  std::vector<double> act(static_cast<size_t>(inter));
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float* xt = x + t * hidden;
    double* yt = y + t * hidden;
    std::fill(yt, yt + hidden, 0.0);
    for (int64_t j = 0; j < top_k; ++j) {
      const int32_t e = ids[t * top_k + j];
      for (int64_t i = 0; i < inter; ++i) {
        double g = 0.0, u = 0.0;
        for (int64_t d = 0; d < hidden; ++d) {
          g += double(gate[e][i * hidden + d]) * xt[d];
          u += double(up[e][i * hidden + d]) * xt[d];
        }
        act[i] = silu(g) * u;
      }
      for (int64_t d = 0; d < hidden; ++d) {
        double acc = 0.0;
        for (int64_t i = 0; i < inter; ++i) acc += double(down[e][d * inter + i]) * act[i];
        yt[d] += weights[t * top_k + j] * acc;
      }
    }
  }
}

}  // namespace tops::ref
