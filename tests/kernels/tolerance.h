// Comparison tolerances of the kernel tests, per dtype, in one place.
// A value passes when |actual - expected| <= abs + rel * scale, where scale is |expected| or, for
// reductions (dot products, sums), the sum of the magnitudes of the terms, so that cancellation
// in the reference does not demand impossible relative accuracy.
#pragma once

namespace tops_test {

struct Tolerance {
  double rel;
  double abs;
};

// f32 compute: f32 epsilon is 1.2e-7; summation over up to ~10^4 terms in a different order
// (SIMD lanes, tiles) adds a few ulps, so 1e-5 relative to the term magnitudes.
inline constexpr Tolerance kF32{1e-5, 1e-6};
// Results that pass through bf16 rounding (8 mantissa bits: 2^-9 = 2e-3 relative per value),
// e.g. the AVX512_BF16 matmul path that rounds activations to bf16.
inline constexpr Tolerance kBF16{1e-2, 1e-3};
// f16 rounding (11 bits, 4.9e-4 relative).
inline constexpr Tolerance kF16{2e-3, 1e-4};
// Transcendental-heavy f32 ops (exp/erf/tanh/sin/cos in float): a few ulps of libm differences.
inline constexpr Tolerance kF32Transcendental{2e-5, 1e-6};

}  // namespace tops_test
