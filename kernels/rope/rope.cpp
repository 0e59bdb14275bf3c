// Entry points of the RoPE family (tensor_ops/rope.h): the inv_freq computation (host only) and
// the validated dispatch of the rotation.
#include <cmath>
#include <string>

#include "core/dispatch.h"
#include "core/guard.h"
#include "core/validate.h"
#include "rope/rope_impl.h"
#include "tensor_ops/rope.h"

namespace {

// transformers modeling_rope_utils: get_mscale.
double yarn_mscale(double scale, double mscale) { return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0; }

// find_correction_dim: the dimension whose wavelength completes `rotations` turns over L0.
double correction_dim(double rotations, double dim, double base, double max_pos) {
  return (dim * std::log(max_pos / (rotations * 2.0 * M_PI))) / (2.0 * std::log(base));
}

}  // namespace

extern "C" {

TOPS_API void tops_rope_freq_params_init(tops_rope_freq_params* p) {
  if (p == nullptr) return;
  *p = tops_rope_freq_params{};
  p->scaling = TOPS_ROPE_SCALING_NONE;
  p->theta = 10000.0;
  p->factor = 1.0;
  p->beta_fast = 32.0;
  p->beta_slow = 1.0;
  p->truncate = 1;
}

TOPS_API tops_status tops_rope_inv_freq(const tops_rope_freq_params* p, float* inv_freq, float* attention_factor) {
  return tops::guard("tops_rope_inv_freq", [&] {
    using tops::fail;
    if (p == nullptr) fail(TOPS_ERR_NULL_POINTER, "params is NULL");
    if (inv_freq == nullptr) fail(TOPS_ERR_NULL_POINTER, "inv_freq is NULL");
    if (p->dim < 2 || p->dim % 2 != 0) fail(TOPS_ERR_INVALID_ARG, "dim " + std::to_string(p->dim) + " must be even and >= 2");
    if (!(p->theta > 1.0)) fail(TOPS_ERR_INVALID_ARG, "theta must be > 1");
    if (p->scaling < TOPS_ROPE_SCALING_NONE || p->scaling > TOPS_ROPE_SCALING_YARN)
      fail(TOPS_ERR_INVALID_ARG, "unknown scaling " + std::to_string(p->scaling));
    if (p->scaling != TOPS_ROPE_SCALING_NONE && !(p->factor > 0.0)) fail(TOPS_ERR_INVALID_ARG, "factor must be > 0");
    const int32_t half = p->dim / 2;
    const float base = static_cast<float>(p->theta);
    // HF: base ** (arange(0, dim, 2).float() / dim), all float32.
    auto pos_freq = [&](int32_t i) {
      return std::pow(base, static_cast<float>(2 * i) / static_cast<float>(p->dim));
    };
    float attn = 1.0f;
    switch (p->scaling) {
      case TOPS_ROPE_SCALING_NONE:
        for (int32_t i = 0; i < half; ++i) inv_freq[i] = 1.0f / pos_freq(i);
        break;
      case TOPS_ROPE_SCALING_LINEAR:
        for (int32_t i = 0; i < half; ++i) inv_freq[i] = (1.0f / pos_freq(i)) / static_cast<float>(p->factor);
        break;
      default: {  // YaRN
        if (!(p->original_max_position_embeddings > 0.0))
          fail(TOPS_ERR_INVALID_ARG, "YaRN needs original_max_position_embeddings > 0");
        if (p->attention_factor > 0.0) {
          attn = static_cast<float>(p->attention_factor);
        } else if (p->mscale != 0.0 && p->mscale_all_dim != 0.0) {
          attn = static_cast<float>(yarn_mscale(p->factor, p->mscale) / yarn_mscale(p->factor, p->mscale_all_dim));
        } else {
          attn = static_cast<float>(yarn_mscale(p->factor, 1.0));
        }
        const double dim = p->dim;
        double low = correction_dim(p->beta_fast, dim, p->theta, p->original_max_position_embeddings);
        double high = correction_dim(p->beta_slow, dim, p->theta, p->original_max_position_embeddings);
        if (p->truncate) {
          low = std::floor(low);
          high = std::ceil(high);
        }
        low = std::max(low, 0.0);
        high = std::min(high, dim - 1.0);
        if (low == high) high += 0.001;  // avoid a division by zero in the ramp
        const float factor = static_cast<float>(p->factor);
        for (int32_t i = 0; i < half; ++i) {
          float ramp = (static_cast<float>(i) - static_cast<float>(low)) / static_cast<float>(high - low);
          ramp = std::min(std::max(ramp, 0.0f), 1.0f);
          const float extrapolation_factor = 1.0f - ramp;
          const float pf = pos_freq(i);
          const float extrapolation = 1.0f / pf;
          const float interpolation = 1.0f / (factor * pf);
          inv_freq[i] = interpolation * (1.0f - extrapolation_factor) + extrapolation * extrapolation_factor;
        }
      }
    }
    if (attention_factor != nullptr) *attention_factor = attn;
  });
}

TOPS_API void tops_rope_params_init(tops_rope_params* p) {
  if (p == nullptr) return;
  *p = tops_rope_params{};
  p->mode = TOPS_ROPE_MODE_1D;
  p->pairing = TOPS_ROPE_NEOX;
  p->attention_factor = 1.0f;
  p->mrope_interleaved = 1;
}

TOPS_API tops_status tops_rope(tops_context* ctx, tops_tensor* x, const tops_tensor* positions,
                               const tops_tensor* inv_freq, const tops_rope_params* params) {
  return tops::guard("tops_rope", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    if (params == nullptr) fail(TOPS_ERR_NULL_POINTER, "params is NULL");
    const tops_tensor& xt = require_tensor(c, x, "x", {TOPS_F32});
    const tops_tensor& pt = require_tensor(c, positions, "positions", {TOPS_I32});
    const tops_tensor& ft = require_tensor(c, inv_freq, "inv_freq", {TOPS_F32});
    const tops_rope_params& p = *params;
    require_ndim(xt, "x", 3);
    require_inner_contiguous(xt, "x");
    const int64_t T = xt.shape[0], D = xt.shape[2];
    if (p.pairing != TOPS_ROPE_NEOX && p.pairing != TOPS_ROPE_GPTJ)
      fail(TOPS_ERR_INVALID_ARG, "unknown pairing " + std::to_string(p.pairing));
    if (p.rotary_dim < 2 || p.rotary_dim % 2 != 0 || p.rotary_dim > D)
      fail(TOPS_ERR_INVALID_ARG, "rotary_dim " + std::to_string(p.rotary_dim) + " must be even, >= 2 and <= head_dim " +
                                     std::to_string(D));
    if (!std::isfinite(p.attention_factor)) fail(TOPS_ERR_INVALID_ARG, "attention_factor is not finite");
    int64_t n_freq = p.rotary_dim / 2;
    switch (p.mode) {
      case TOPS_ROPE_MODE_1D:
        require_ndim(pt, "positions", 1);
        require_dim(pt, "positions", 0, T, "x's token count");
        break;
      case TOPS_ROPE_MODE_MROPE: {
        require_ndim(pt, "positions", 2);
        require_dim(pt, "positions", 0, 3, "t/h/w rows for M-RoPE");
        require_dim(pt, "positions", 1, T, "x's token count");
        const int32_t* s = p.mrope_section;
        if (s[0] < 0 || s[1] < 0 || s[2] < 0 || s[0] + s[1] + s[2] != n_freq)
          fail(TOPS_ERR_INVALID_ARG, "mrope_section [" + std::to_string(s[0]) + ", " + std::to_string(s[1]) + ", " +
                                         std::to_string(s[2]) + "] must sum to rotary_dim/2 = " + std::to_string(n_freq));
        break;
      }
      case TOPS_ROPE_MODE_VISION_2D:
        require_ndim(pt, "positions", 2);
        require_dim(pt, "positions", 0, 2, "row/col rows for 2-D vision RoPE");
        require_dim(pt, "positions", 1, T, "x's token count");
        if (p.rotary_dim % 4 != 0) fail(TOPS_ERR_INVALID_ARG, "2-D vision RoPE needs rotary_dim divisible by 4");
        n_freq = p.rotary_dim / 4;
        break;
      default: fail(TOPS_ERR_INVALID_ARG, "unknown mode " + std::to_string(p.mode));
    }
    require_contiguous(pt, "positions");
    require_ndim(ft, "inv_freq", 1);
    require_dim(ft, "inv_freq", 0, n_freq, "the number of frequencies of this mode and rotary_dim");
    require_contiguous(ft, "inv_freq");
    RopeArgs a{static_cast<float*>(xt.data), xt.strides[0], xt.strides[1], T, xt.shape[1], D,
               static_cast<const int32_t*>(pt.data), static_cast<const float*>(ft.data), p};
    if (T == 0 || a.heads == 0) return;
    dispatch<RopeOp>(c, a, [](tops_context& cc, const RopeArgs& aa) {
      if (cc.cpu_path == TOPS_CPU_PATH_REFERENCE) rope_ref(cc, aa);
      else rope_cpu(cc, aa);
    });
  });
}

}  // extern "C"
