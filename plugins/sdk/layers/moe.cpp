// The routed mixture-of-experts block over tops_moe_route / tops_moe_ffn.
#include "pio/sdk/layers/moe.h"

#include <vector>

#include <fmt/format.h>

#include "pio/sdk/error.h"
#include "pio/sdk/layers/weights.h"

namespace pio::sdk {

MoeFeedForward::MoeFeedForward(const ops::Context& ctx, const Checkpoint& checkpoint,
                               const std::string& prefix, int64_t hidden,
                               const MoeRouting& routing)
    : routing_(routing) {
  const int64_t n_experts = routing.n_experts;
  const int64_t inter = routing.expert_intermediate;
  if (n_experts < 1 || routing.top_k < 1 || routing.top_k > n_experts || inter < 1) {
    throw_error(ErrorCode::kBadFormat,
                "{}: MoE needs 1 <= num_experts_per_tok ({}) <= num_experts ({}) and a positive "
                "moe_intermediate_size ({})",
                prefix, routing.top_k, n_experts, inter);
  }
  router_ = weight(checkpoint, prefix + "gate.weight", {n_experts, hidden});
  if (routing.scoring == TOPS_MOE_SCORING_SIGMOID) {
    selection_bias_ = optional_weight(checkpoint, prefix + "gate.e_score_correction_bias", {n_experts});
  }

  tops_moe_experts_desc desc;
  tops_moe_experts_desc_init(&desc);
  desc.n_experts = static_cast<int32_t>(n_experts);
  desc.hidden = hidden;
  desc.inter = inter;
  std::vector<tops_tensor> gate, up, down;  // descriptors are copied by tops_moe_experts_create
  ops::Tensor gate_up_fused, down_fused;
  if (checkpoint.has(prefix + "experts.gate_up_proj")) {
    gate_up_fused = weight(checkpoint, prefix + "experts.gate_up_proj", {n_experts, 2 * inter, hidden});
    down_fused = weight(checkpoint, prefix + "experts.down_proj", {n_experts, hidden, inter});
    desc.gate_up_fused = gate_up_fused.c();
    desc.down_fused = down_fused.c();
  } else {
    for (int64_t e = 0; e < n_experts; ++e) {
      const std::string expert = fmt::format("{}experts.{}.", prefix, e);
      gate.push_back(*weight(checkpoint, expert + "gate_proj.weight", {inter, hidden}).c());
      up.push_back(*weight(checkpoint, expert + "up_proj.weight", {inter, hidden}).c());
      down.push_back(*weight(checkpoint, expert + "down_proj.weight", {hidden, inter}).c());
    }
    desc.gate = gate.data();
    desc.up = up.data();
    desc.down = down.data();
  }
  tops_moe_experts* experts = nullptr;
  ops::check(tops_moe_experts_create(ctx, &desc, &experts));
  experts_.reset(experts);
  // A token reads k of E experts: sequential read-ahead over the expert pages would fault in
  // weights nobody asked for.
  checkpoint.advise_prefix(prefix + "experts.", AccessHint::kRandom);
}

void MoeFeedForward::forward(const ops::Context& ctx, const ops::Tensor& x, Workspace& workspace,
                             const ops::Tensor& out) const {
  const int64_t n = x.dim(0);
  ops::Tensor logits = workspace.f32("moe.router_logits", {n, routing_.n_experts});
  ops::Tensor ids = workspace.i32("moe.expert_ids", {n, routing_.top_k});
  ops::Tensor weights = workspace.f32("moe.expert_weights", {n, routing_.top_k});
  ops::linear(ctx, x, router_, logits);

  tops_moe_router_params params;
  tops_moe_router_params_init(&params);
  params.scoring = routing_.scoring;
  params.top_k = static_cast<int32_t>(routing_.top_k);
  params.normalize = routing_.normalize_top_k ? 1 : 0;
  params.n_group = static_cast<int32_t>(routing_.n_group);
  params.topk_group = static_cast<int32_t>(routing_.topk_group);
  params.routed_scaling_factor = routing_.routed_scaling_factor;
  ops::check(tops_moe_route(ctx, logits.c(), is_present(selection_bias_) ? selection_bias_.c() : nullptr,
                            &params, ids.c_out(), weights.c_out()));
  ops::check(tops_moe_ffn(ctx, experts_.get(), x.c(), ids.c(), weights.c(), 0, out.c_out()));
}

}  // namespace pio::sdk
