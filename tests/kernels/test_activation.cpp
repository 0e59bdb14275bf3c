// Activations and SwiGLU (separate and fused gate_up) against double references.
#include "test_util.h"

using namespace tops_test;
namespace ops = pio::ops;

namespace {
double act_ref(tops_activation_kind k, double x) {
  switch (k) {
    case TOPS_ACT_SILU: return x / (1 + std::exp(-x));
    case TOPS_ACT_GELU_ERF: return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case TOPS_ACT_GELU_TANH: return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    case TOPS_ACT_SIGMOID: return 1 / (1 + std::exp(-x));
    default: return x > 20 ? x : std::log(1 + std::exp(x));
  }
}
}  // namespace

TEST_CASE("activations match the double reference", "[kernels][activation]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  const tops_activation_kind kind =
      GENERATE(TOPS_ACT_SILU, TOPS_ACT_GELU_ERF, TOPS_ACT_GELU_TANH, TOPS_ACT_SIGMOID, TOPS_ACT_SOFTPLUS);
  const int64_t n = GENERATE(1, 17, 129, 1000);
  CAPTURE(tops_cpu_path_name(path), kind, n);
  Context ctx = Context::cpu(2, path);
  std::mt19937 rng(uint32_t(n + kind));
  auto x = random_floats(size_t(3 * n), rng, 12.0f);
  x[0] = 25.0f;  // softplus threshold branch
  auto y = poisoned(x.size());
  ops::activation(ctx, kind, Tensor::of(x, {3, n}), Tensor::of(y, {3, n}));
  std::vector<double> expected(x.size());
  for (size_t i = 0; i < x.size(); ++i) expected[i] = act_ref(kind, x[i]);
  require_close(y, expected, kF32Transcendental, "activation");
  require_error(TOPS_ERR_INVALID_ARG, [&] { ops::activation(ctx, 99, Tensor::of(x, {3, n}), Tensor::of(y, {3, n})); });
}

TEST_CASE("swiglu: separate inputs and a fused gate_up row", "[kernels][activation]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  const int64_t inter = GENERATE(1, 3, 127, 3072);
  CAPTURE(tops_cpu_path_name(path), inter);
  Context ctx = Context::cpu(2, path);
  const int64_t rows = 3;
  std::mt19937 rng{uint32_t(inter)};
  const auto gu = random_floats(size_t(rows * 2 * inter), rng, 6.0f);
  std::vector<float> g(size_t(rows * inter)), u(size_t(rows * inter));
  std::vector<double> expected(size_t(rows * inter));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < inter; ++i) {
      g[r * inter + i] = gu[r * 2 * inter + i];
      u[r * inter + i] = gu[r * 2 * inter + inter + i];
      const double gv = g[r * inter + i];
      expected[r * inter + i] = gv / (1 + std::exp(-gv)) * u[r * inter + i];
    }
  auto y1 = poisoned(g.size()), y2 = poisoned(g.size());
  ops::swiglu(ctx, Tensor::of(g, {rows, inter}), Tensor::of(u, {rows, inter}), Tensor::of(y1, {rows, inter}));
  ops::swiglu_fused(ctx, Tensor::of(gu, {rows, 2 * inter}), Tensor::of(y2, {rows, inter}));
  require_close(y1, expected, kF32Transcendental, "swiglu");
  require_close(y2, expected, kF32Transcendental, "swiglu fused");
  require_error(TOPS_ERR_SHAPE_MISMATCH,
                [&] { ops::swiglu_fused(ctx, Tensor::of(gu, {rows, 2 * inter}), Tensor::of(g, {rows * inter})); });
}
