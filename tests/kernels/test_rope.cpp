// RoPE: inv_freq (default, linear, YaRN vs values printed by transformers 5.24), the rotation for
// NeoX / GPT-J pairings, partial rotary, M-RoPE (interleaved and chunked), 2-D vision RoPE, and
// the properties "position 0 is the identity" and "rotation preserves the norm".
#include <cstring>

#include "test_util.h"

using namespace tops_test;
namespace ops = pio::ops;

namespace {

float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

// Independent reference: angle per (token, frequency) from the spec's formulas, rotation in double.
std::vector<double> rope_expected(const std::vector<float>& x, int64_t T, int64_t H, int64_t D,
                                  const std::vector<int32_t>& pos, const std::vector<float>& inv_freq,
                                  const tops_rope_params& p) {
  std::vector<double> y(x.begin(), x.end());
  const int64_t half = p.rotary_dim / 2;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < half; ++i) {
      float ang;
      if (p.mode == TOPS_ROPE_MODE_1D) {
        ang = float(pos[t]) * inv_freq[i];
      } else if (p.mode == TOPS_ROPE_MODE_MROPE) {
        int axis = 0;
        if (p.mrope_interleaved) {
          if (i % 3 == 1 && i < 3 * p.mrope_section[1]) axis = 1;
          if (i % 3 == 2 && i < 3 * p.mrope_section[2]) axis = 2;
        } else {
          axis = i < p.mrope_section[0] ? 0 : (i < p.mrope_section[0] + p.mrope_section[1] ? 1 : 2);
        }
        ang = float(pos[axis * T + t]) * inv_freq[i];
      } else {  // vision: rows then cols, each with rotary_dim/4 frequencies
        const int64_t q = p.rotary_dim / 4;
        ang = i < q ? float(pos[t]) * inv_freq[i] : float(pos[T + t]) * inv_freq[i - q];
      }
      const double c = std::cos(double(ang)) * p.attention_factor, s = std::sin(double(ang)) * p.attention_factor;
      for (int64_t h = 0; h < H; ++h) {
        const int64_t base = (t * H + h) * D;
        const int64_t i0 = p.pairing == TOPS_ROPE_NEOX ? i : 2 * i, i1 = p.pairing == TOPS_ROPE_NEOX ? i + half : 2 * i + 1;
        const double x0 = x[base + i0], x1 = x[base + i1];
        y[base + i0] = x0 * c - x1 * s;
        y[base + i1] = x1 * c + x0 * s;
      }
    }
  return y;
}

}  // namespace

TEST_CASE("rope inv_freq: default, linear and YaRN as transformers computes them", "[kernels][rope]") {
  tops_rope_freq_params p;
  tops_rope_freq_params_init(&p);
  p.dim = 128;
  p.theta = 1e6;
  std::vector<float> inv(64);
  float af = 0;
  REQUIRE(tops_rope_inv_freq(&p, inv.data(), &af) == TOPS_OK);
  CHECK(af == 1.0f);
  for (int i = 0; i < 64; ++i) CHECK(std::fabs(inv[i] - 1.0 / std::pow(1e6, 2.0 * i / 128.0)) <= 1e-6 * inv[i]);
  std::vector<float> lin(64);
  p.scaling = TOPS_ROPE_SCALING_LINEAR;
  p.factor = 4.0;
  REQUIRE(tops_rope_inv_freq(&p, lin.data(), &af) == TOPS_OK);
  for (int i = 0; i < 64; ++i) CHECK(lin[i] == inv[i] / 4.0f);
  // YaRN factor 4, L0 32768, theta 1e6, head_dim 128: transformers 5.24 (_compute_yarn_parameters).
  p.scaling = TOPS_ROPE_SCALING_YARN;
  p.original_max_position_embeddings = 32768;
  std::vector<float> yarn(64);
  REQUIRE(tops_rope_inv_freq(&p, yarn.data(), &af) == TOPS_OK);
  CHECK(af == Approx(1.138629436111989).epsilon(1e-7));
  const int idx[] = {0, 1, 10, 20, 30, 40, 50, 63};
  const uint32_t hf_bits[] = {0x3f800000, 0x3f4e4bad, 0x3dec7fd6, 0x3c5a7bf2, 0x3a8b8207, 0x383a7753, 0x36ac431d, 0x34a68e4c};
  for (int j = 0; j < 8; ++j) {
    CAPTURE(idx[j], yarn[size_t(idx[j])], from_bits(hf_bits[j]));
    CHECK(std::fabs(yarn[size_t(idx[j])] - from_bits(hf_bits[j])) <= 2e-7 * from_bits(hf_bits[j]));  // ~1-2 ulp (powf)
  }
  p.dim = 7;
  CHECK(tops_rope_inv_freq(&p, yarn.data(), &af) == TOPS_ERR_INVALID_ARG);
}

TEST_CASE("rope rotation matches the reference for every mode and pairing", "[kernels][rope]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  const tops_rope_pairing pairing = GENERATE(TOPS_ROPE_NEOX, TOPS_ROPE_GPTJ);
  const tops_rope_mode mode = GENERATE(TOPS_ROPE_MODE_1D, TOPS_ROPE_MODE_MROPE, TOPS_ROPE_MODE_VISION_2D);
  const auto dims = GENERATE(table<int64_t, int32_t>({{128, 128}, {256, 64}, {24, 24}, {10, 4}}));  // head_dim, rotary
  const int64_t D = std::get<0>(dims);
  const int32_t R = std::get<1>(dims);
  const bool interleaved = GENERATE(true, false);
  if (mode != TOPS_ROPE_MODE_MROPE && !interleaved) return;  // flag only matters for M-RoPE
  CAPTURE(tops_cpu_path_name(path), pairing, mode, D, R, interleaved);
  Context ctx = Context::cpu(2, path);
  const int64_t T = 5, H = 3;
  std::mt19937 rng(uint32_t(D + R));
  auto x = random_floats(size_t(T * H * D), rng);
  const auto original = x;
  tops_rope_params p = ops::rope_params(R, pairing, 1.0f);
  p.mode = mode;
  p.mrope_interleaved = interleaved ? 1 : 0;
  const int64_t n_freq = mode == TOPS_ROPE_MODE_VISION_2D ? R / 4 : R / 2;
  if (mode == TOPS_ROPE_MODE_VISION_2D && R % 4 != 0) return;
  if (mode == TOPS_ROPE_MODE_MROPE) {  // Qwen3-VL proportions 24:20:20, scaled to R/2
    p.mrope_section[1] = int32_t(R / 2 * 20 / 64);
    p.mrope_section[2] = int32_t(R / 2 * 20 / 64);
    p.mrope_section[0] = int32_t(R / 2) - p.mrope_section[1] - p.mrope_section[2];
  }
  const int64_t axes = mode == TOPS_ROPE_MODE_1D ? 1 : (mode == TOPS_ROPE_MODE_MROPE ? 3 : 2);
  std::vector<int32_t> pos(size_t(axes * T));
  std::uniform_int_distribution<int32_t> pd(0, 40000);
  for (auto& v : pos) v = pd(rng);
  auto freqs = ops::rope_frequencies(int32_t(2 * n_freq), mode == TOPS_ROPE_MODE_VISION_2D ? 1e4 : 5e6);
  Tensor pt = axes == 1 ? Tensor::of(pos, {T}) : Tensor::of(pos, {axes, T});
  ops::rope(ctx, Tensor::of(x, {T, H, D}), pt, Tensor::of(freqs.inv_freq, {n_freq}), p);
  require_close(x, rope_expected(original, T, H, D, pos, freqs.inv_freq, p), Tolerance{2e-6, 2e-6}, "rope");
}

TEST_CASE("rope properties: position 0 is the identity, norms are preserved", "[kernels][rope]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  CAPTURE(tops_cpu_path_name(path));
  Context ctx = Context::cpu(2, path);
  const int64_t T = 4, H = 2, D = 128;
  std::mt19937 rng(3);
  auto x = random_floats(size_t(T * H * D), rng);
  const auto original = x;
  std::vector<int32_t> zero(T, 0), pos = {0, 1, 1000, 40000};
  auto f = ops::rope_frequencies(128, 1e6);
  ops::rope(ctx, Tensor::of(x, {T, H, D}), Tensor::of(zero, {T}), Tensor::of(f.inv_freq, {64}), ops::rope_params(128));
  CHECK(x == original);
  ops::rope(ctx, Tensor::of(x, {T, H, D}), Tensor::of(pos, {T}), Tensor::of(f.inv_freq, {64}), ops::rope_params(128));
  for (int64_t r = 0; r < T * H; ++r) {
    double n0 = 0, n1 = 0;
    for (int64_t d = 0; d < D; ++d) {
      n0 += double(original[r * D + d]) * original[r * D + d];
      n1 += double(x[r * D + d]) * x[r * D + d];
    }
    CHECK(n1 == Approx(n0).epsilon(1e-5));
  }
  // Bad arguments.
  require_error(TOPS_ERR_INVALID_ARG, [&] {
    ops::rope(ctx, Tensor::of(x, {T, H, D}), Tensor::of(pos, {T}), Tensor::of(f.inv_freq, {64}), ops::rope_params(130));
  });
  require_error(TOPS_ERR_SHAPE_MISMATCH, [&] {
    ops::rope(ctx, Tensor::of(x, {T, H, D}), Tensor::of(pos, {T}).narrow(0, 0, 3), Tensor::of(f.inv_freq, {64}),
              ops::rope_params(128));
  });
  require_error(TOPS_ERR_SHAPE_MISMATCH, [&] {
    ops::rope(ctx, Tensor::of(x, {T, H, D}), Tensor::of(pos, {T}), Tensor::of(f.inv_freq, {64}).narrow(0, 0, 32),
              ops::rope_params(128));
  });
}
