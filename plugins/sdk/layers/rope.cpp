// RopeConfig -> kernel frequency table and rotation parameters.
#include "pio/sdk/layers/rope.h"

#include <cmath>

#include "pio/sdk/error.h"

namespace pio::sdk {

Rope::Rope(const RopeConfig& config, int64_t head_dim, int64_t max_position_embeddings,
           tops_rope_pairing pairing) {
  const auto rotary_dim = static_cast<int32_t>(
      std::lround(static_cast<double>(head_dim) * config.partial_rotary_factor));
  if (rotary_dim <= 0 || rotary_dim > head_dim || rotary_dim % 2 != 0) {
    throw_error(ErrorCode::kInvalidArgument,
                "rope: rotary dimension {} (head_dim {} x partial_rotary_factor {}) must be even "
                "and in 2..head_dim",
                rotary_dim, head_dim, config.partial_rotary_factor);
  }
  tops_rope_freq_params freq;
  tops_rope_freq_params_init(&freq);
  freq.dim = rotary_dim;
  freq.theta = config.theta;
  switch (config.type) {
    case RopeConfig::Type::kDefault:
      break;
    case RopeConfig::Type::kLinear:
      freq.scaling = TOPS_ROPE_SCALING_LINEAR;
      freq.factor = config.factor;
      break;
    case RopeConfig::Type::kYarn:
      freq.scaling = TOPS_ROPE_SCALING_YARN;
      freq.factor = config.factor;
      freq.original_max_position_embeddings = static_cast<double>(
          config.original_max_position_embeddings.value_or(max_position_embeddings));
      freq.beta_fast = config.beta_fast;
      freq.beta_slow = config.beta_slow;
      freq.attention_factor = config.attention_factor.value_or(0.0);
      freq.mscale = config.mscale.value_or(0.0);
      freq.mscale_all_dim = config.mscale_all_dim.value_or(0.0);
      freq.truncate = config.truncate ? 1 : 0;
      break;
    default:
      throw_error(ErrorCode::kUnsupported, "rope_scaling type '{}' is not supported yet",
                  config.type_name());
  }
  ops::RopeFrequencies table = ops::rope_frequencies(freq);
  inv_freq_ = std::move(table.inv_freq);
  params_ = ops::rope_params(rotary_dim, pairing, table.attention_factor);
}

void Rope::apply(const ops::Context& ctx, const ops::Tensor& x, const ops::Tensor& positions) const {
  int64_t dims[] = {static_cast<int64_t>(inv_freq_.size())};
  ops::Tensor inv_freq(const_cast<float*>(inv_freq_.data()), ops::DType::F32, dims);
  ops::rope(ctx, x, positions, inv_freq, params_);
}

}  // namespace pio::sdk
