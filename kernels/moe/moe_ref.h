// Naive double-precision references for the MoE op family (routing and expert FFNs).
//
// These are the ground truth the CPU and CUDA backends are tested against: plain loops over
// host memory, no threads, no SIMD, every sum in double. They follow Hugging Face transformers:
// - softmax routing (Qwen3-MoE / Qwen3-Next): softmax over all experts, top-k, optional
//   renormalisation by the sum of the k selected probabilities;
// - sigmoid routing (GLM-4.7-Flash / DeepSeek-V3): sigmoid scores, selection on
//   score + e_score_correction_bias restricted to the best `topk_group` of `n_group` groups
//   (a group scores the sum of its two best biased scores), weights from the unbiased sigmoid,
//   renormalised with +1e-20 and multiplied by routed_scaling_factor.
// Selected experts are written in descending order of their selection score (ties: lower id
// first). All pointers are host pointers; sizes are element counts. Programmer errors (bad
// sizes) are not checked here: the tests call these with valid shapes only.
#pragma once

#include <cstdint>

namespace tops::ref {

// logits [n_tokens, n_experts] -> ids [n_tokens, top_k], weights [n_tokens, top_k].
void moe_route_softmax(const float* logits, int64_t n_tokens, int64_t n_experts, int64_t top_k,
                       bool normalize, int32_t* ids, double* weights);

// logits [n_tokens, n_experts], bias [n_experts] or nullptr (= zeros).
// n_experts must be divisible by n_group; topk_group <= n_group; every group needs >= 2 experts
// when n_group > 1 (HF takes the top-2 of each group).
void moe_route_sigmoid(const float* logits, const float* bias, int64_t n_tokens,
                       int64_t n_experts, int64_t top_k, int64_t n_group, int64_t topk_group,
                       bool normalize, double routed_scaling_factor, int32_t* ids,
                       double* weights);

// y[t] = sum_j weights[t,j] * down_e( silu(gate_e x[t]) * (up_e x[t]) ),  e = ids[t,j].
// x [n_tokens, hidden]; gate[e], up[e] point at [inter, hidden] row-major matrices, down[e] at
// [hidden, inter]; y [n_tokens, hidden] (overwritten).
void moe_experts(const float* x, const int32_t* ids, const double* weights, int64_t n_tokens,
                 int64_t top_k, int64_t hidden, int64_t inter, const float* const* gate,
                 const float* const* up, const float* const* down, double* y);

}  // namespace tops::ref
