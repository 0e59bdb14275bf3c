/* Rotary position embeddings (RoPE): frequency tables (default, linear, YaRN) and the in-place
 * rotation of q/k heads, for 1-D positions, multi-section M-RoPE (Qwen2/3-VL text) and 2-D
 * vision RoPE (Qwen3-VL ViT). Numerics follow Hugging Face: inv_freq in float32, angle =
 * float32(position) * inv_freq (one float32 product), cos/sin in float32, scaled by the attention
 * factor, then x*cos + rotate(x)*sin in float32.
 */
#ifndef TENSOR_OPS_ROPE_H
#define TENSOR_OPS_ROPE_H

#include "tensor_ops/context.h"
#include "tensor_ops/tensor.h"

TOPS_EXTERN_C_BEGIN

/* ---- frequency table ---------------------------------------------------------------------- */

typedef int32_t tops_rope_scaling;
enum tops_rope_scaling_values {
  TOPS_ROPE_SCALING_NONE = 0,   /* rope_type "default": inv_freq[i] = 1 / theta^(2i/dim) */
  TOPS_ROPE_SCALING_LINEAR = 1, /* "linear": default / factor */
  TOPS_ROPE_SCALING_YARN = 2    /* "yarn": NTK-by-parts ramp + attention factor */
};

/* Parameters of the inv_freq computation; initialise with tops_rope_freq_params_init. */
typedef struct tops_rope_freq_params {
  tops_rope_scaling scaling;
  int32_t dim;          /* rotary dimension (head_dim * partial_rotary_factor); even, >= 2 */
  double theta;         /* rope_theta (base) */
  double factor;        /* LINEAR/YARN factor. Pass the factor your transformers version uses
                           (some recompute it as max_position / original_max_position). */
  double original_max_position_embeddings; /* YARN: L0 */
  double beta_fast;     /* YARN, default 32 */
  double beta_slow;     /* YARN, default 1 */
  double attention_factor; /* YARN: explicit attention factor; 0 = derive from factor/mscale */
  double mscale;        /* YARN: optional `mscale` (0 = absent) */
  double mscale_all_dim;/* YARN: optional `mscale_all_dim` (0 = absent) */
  int32_t truncate;     /* YARN: floor/ceil the correction range (HF default 1) */
} tops_rope_freq_params;

/* Defaults: NONE, dim 0 (must be set), theta 10000, factor 1, beta_fast 32, beta_slow 1,
 * attention_factor 0, mscale 0, mscale_all_dim 0, truncate 1. */
TOPS_API void tops_rope_freq_params_init(tops_rope_freq_params* params);

/* Fills inv_freq[0 .. dim/2) (host memory, float32) and *attention_factor (the factor cos/sin
 * are multiplied by: 1 for NONE/LINEAR; YaRN: attention_factor if given, else
 * mscale(factor, mscale)/mscale(factor, mscale_all_dim) when both mscales are set, else
 * 0.1*ln(factor)+1 for factor > 1, else 1), exactly as transformers' modeling_rope_utils.
 * attention_factor may be NULL. For 2-D vision RoPE call this with dim = rotary_dim/2 (Qwen3-VL:
 * head_dim 64 -> dim 32 -> 16 frequencies).
 * Errors: NULL_POINTER, INVALID_ARG (odd/non-positive dim, theta <= 1, factor <= 0, YaRN without
 * original_max_position_embeddings). [any-thread] */
TOPS_API tops_status tops_rope_inv_freq(const tops_rope_freq_params* params, float* inv_freq,
                                        float* attention_factor);

/* ---- rotation ----------------------------------------------------------------------------- */

/* Which dimensions form a rotation pair. */
typedef int32_t tops_rope_pairing;
enum tops_rope_pairing_values {
  TOPS_ROPE_NEOX = 0, /* rotate-half: (i, i + rotary_dim/2). Llama, Qwen, Qwen3-VL */
  TOPS_ROPE_GPTJ = 1  /* interleaved: (2i, 2i + 1). GLM-4 MLA (rope_interleave = true) */
};

/* How positions map to the angle of frequency index i (0 <= i < rotary_dim/2). */
typedef int32_t tops_rope_mode;
enum tops_rope_mode_values {
  TOPS_ROPE_MODE_1D = 0,     /* positions [T]; angle_i = p * inv_freq[i]; inv_freq [rotary_dim/2] */
  TOPS_ROPE_MODE_MROPE = 1,  /* positions [3, T] (t, h, w rows); inv_freq [rotary_dim/2];
                                the axis of i is chosen by mrope_section (see below) */
  TOPS_ROPE_MODE_VISION_2D = 2 /* positions [2, T] (row, col); inv_freq [rotary_dim/4];
                                  i < rotary_dim/4: row * inv_freq[i], else col * inv_freq[i - rotary_dim/4] */
};

/* Rotation parameters; initialise with tops_rope_params_init. */
typedef struct tops_rope_params {
  tops_rope_mode mode;
  tops_rope_pairing pairing;
  int32_t rotary_dim;        /* dims [0, rotary_dim) rotate, the rest pass through; even */
  float attention_factor;    /* cos and sin are multiplied by it (YaRN); 1 = plain */
  int32_t mrope_section[3];  /* MROPE: frequencies per axis (t, h, w), sum = rotary_dim/2 */
  int32_t mrope_interleaved; /* MROPE: 1 = Qwen3-VL layout: i%3==1 && i<3*section[1] -> h,
                                i%3==2 && i<3*section[2] -> w, else t;
                                0 = Qwen2-VL chunked layout (first section[0] t, next h, then w) */
} tops_rope_params;

/* Defaults: 1D, NEOX, rotary_dim 0 (must be set), attention_factor 1, sections 0, interleaved 1. */
TOPS_API void tops_rope_params_init(tops_rope_params* params);

/* Rotates x in place.
 * x         [T, H, D] f32, innermost contiguous (other strides free, e.g. q inside qkv);
 *           rotary_dim <= D.
 * positions i32: [T] (1D), [3, T] (MROPE), [2, T] (VISION_2D); may be on the host for CPU
 *           contexts only (must match the context device).
 * inv_freq  f32 contiguous, size as listed per mode (from tops_rope_inv_freq).
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, DEVICE_MISMATCH, INVALID_ARG (odd rotary_dim,
 * sections not summing to rotary_dim/2), UNSUPPORTED. */
TOPS_API tops_status tops_rope(tops_context* ctx, tops_tensor* x, const tops_tensor* positions,
                               const tops_tensor* inv_freq, const tops_rope_params* params);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_ROPE_H */
