// A routed mixture-of-experts feed-forward block (Qwen3-MoE style): router logits -> top-k
// experts per token -> SwiGLU experts run as grouped matmuls -> weighted combine. Only the
// selected experts' weights are read, so with the checkpoint mmap'ed a decode step touches
// about the active parameters, not all of them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/layers/feed_forward.h"
#include "tensor_ops/moe.h"
#include "tensor_ops/tensor_ops.hpp"

namespace pio::sdk {

struct MoeRouting {
  int64_t n_experts = 0;          // num_experts
  int64_t top_k = 0;              // num_experts_per_tok
  int64_t expert_intermediate = 0;  // moe_intermediate_size
  bool normalize_top_k = false;   // norm_topk_prob
  tops_moe_scoring scoring = TOPS_MOE_SCORING_SOFTMAX;
  int64_t n_group = 1;            // sigmoid scoring: expert groups
  int64_t topk_group = 1;         // sigmoid scoring: groups kept
  float routed_scaling_factor = 1.0f;
};

class MoeFeedForward final : public FeedForward {
 public:
  // Reads the router `<prefix>gate.weight` [E, D] and the experts in either layout:
  //  - per expert, as published: `<prefix>experts.{e}.{gate,up,down}_proj.weight`;
  //  - fused, as transformers 5.x may save: `<prefix>experts.gate_up_proj` [E, 2I, D] and
  //    `<prefix>experts.down_proj` [E, D, I].
  // Sigmoid scoring also reads `<prefix>gate.e_score_correction_bias` [E] when present.
  // Marks the experts' pages for random access so the OS does not read all of them ahead.
  MoeFeedForward(const ops::Context& ctx, const Checkpoint& checkpoint, const std::string& prefix,
                 int64_t hidden, const MoeRouting& routing);

  void forward(const ops::Context& ctx, const ops::Tensor& x, Workspace& workspace,
               const ops::Tensor& out) const override;

 private:
  struct ExpertsDeleter {
    void operator()(tops_moe_experts* experts) const { tops_moe_experts_release(experts); }
  };

  MoeRouting routing_;
  ops::Tensor router_;          // [E, D]
  ops::Tensor selection_bias_;  // [E] or absent
  std::unique_ptr<tops_moe_experts, ExpertsDeleter> experts_;
};

}  // namespace pio::sdk
