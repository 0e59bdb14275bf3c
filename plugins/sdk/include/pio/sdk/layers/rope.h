// Rotary embedding tables built once per model from its RopeConfig (config.json), shared by
// every family that rotates q/k with 1-D positions.
#pragma once

#include <cstdint>
#include <vector>

#include "pio/sdk/model_config_rope.h"
#include "tensor_ops/tensor_ops.hpp"

namespace pio::sdk {

class Rope {
 public:
  // head_dim: per-head width; the rotated part is head_dim * partial_rotary_factor.
  // max_position_embeddings: the model's, used by YaRN when the config gives no original length.
  // Throws pio::Error(kUnsupported) for rope types the kernels do not implement (dynamic,
  // llama3) and kInvalidArgument for inconsistent parameters, naming them.
  Rope(const RopeConfig& config, int64_t head_dim, int64_t max_position_embeddings,
       tops_rope_pairing pairing = TOPS_ROPE_NEOX);

  // Rotates x [T, H, head_dim] in place at positions (i32 [T]).
  void apply(const ops::Context& ctx, const ops::Tensor& x, const ops::Tensor& positions) const;

  int32_t rotary_dim() const noexcept { return params_.rotary_dim; }

 private:
  std::vector<float> inv_freq_;  // [rotary_dim / 2]
  tops_rope_params params_{};
};

}  // namespace pio::sdk
