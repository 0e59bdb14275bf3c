// RMSNorm (plain, zero-centred, gated, per-head on a strided view) and LayerNorm against naive
// double-precision references, on every CPU path of this machine.
#include "test_util.h"

using namespace tops_test;
namespace ops = pio::ops;

namespace {

// Expected y for rows of length d at row offsets (elements) `offs` of x/gate.
std::vector<double> rmsnorm_expected(const std::vector<float>& x, const std::vector<float>* gate,
                                     const std::vector<float>& w, bool zero_centered, int64_t rows, int64_t d,
                                     int64_t row_stride, double eps) {
  std::vector<double> y(static_cast<size_t>(rows * d));
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x.data() + r * row_stride;
    double ss = 0;
    for (int64_t i = 0; i < d; ++i) ss += double(xr[i]) * xr[i];
    const double inv = 1.0 / std::sqrt(ss / double(d) + eps);
    for (int64_t i = 0; i < d; ++i) {
      double v = xr[i] * inv * (zero_centered ? 1.0 + w[i] : double(w[i]));
      if (gate) {
        const double g = (*gate)[r * row_stride + i];
        v *= g / (1.0 + std::exp(-g));
      }
      y[r * d + i] = v;
    }
  }
  return y;
}

}  // namespace

TEST_CASE("rmsnorm matches the double reference on every CPU path", "[kernels][norm]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  const int64_t d = GENERATE(1, 3, 17, 127, 129, 1024);
  const int64_t rows = GENERATE(1, 5);
  const DType wtype = GENERATE(DType::F32, DType::BF16, DType::F16);
  const bool zero_centered = GENERATE(false, true);
  CAPTURE(tops_cpu_path_name(path), d, rows, dtype_name(wtype), zero_centered);

  Context ctx = Context::cpu(2, path);
  std::mt19937 rng(static_cast<uint32_t>(d * 31 + rows));
  const auto x = random_floats(size_t(rows * d), rng, 3.0f);
  Weight w = make_weight(random_floats(size_t(d), rng), wtype);
  const float eps = 1e-6f;

  SECTION("plain") {
    auto y = poisoned(size_t(rows * d));
    ops::rmsnorm(ctx, Tensor::of(x, {rows, d}), w.tensor({d}), Tensor::of(y, {rows, d}), eps, zero_centered);
    require_close(y, rmsnorm_expected(x, nullptr, w.values, zero_centered, rows, d, d, eps), kF32, "rmsnorm");
  }
  SECTION("in place") {
    auto y = x;
    ops::rmsnorm(ctx, Tensor::of(y, {rows, d}), w.tensor({d}), Tensor::of(y, {rows, d}), eps, zero_centered);
    require_close(y, rmsnorm_expected(x, nullptr, w.values, zero_centered, rows, d, d, eps), kF32, "in place");
  }
  SECTION("gated") {
    const auto z = random_floats(size_t(rows * d), rng, 4.0f);
    auto y = poisoned(size_t(rows * d));
    // The gated form always multiplies by the plain weight.
    ops::gated_rmsnorm(ctx, Tensor::of(x, {rows, d}), Tensor::of(z, {rows, d}), w.tensor({d}), Tensor::of(y, {rows, d}),
                       eps);
    require_close(y, rmsnorm_expected(x, &z, w.values, false, rows, d, d, eps), kF32Transcendental, "gated");
  }
}

TEST_CASE("rmsnorm per head over a strided q view inside a qkv row", "[kernels][norm]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  CAPTURE(tops_cpu_path_name(path));
  Context ctx = Context::cpu(2, path);
  const int64_t T = 3, H = 4, D = 24, width = 3 * H * D;  // q | k | v per row
  std::mt19937 rng(7);
  auto qkv = random_floats(size_t(T * width), rng, 2.0f);
  const auto original = qkv;
  Weight w = make_weight(random_floats(size_t(D), rng), DType::BF16);
  Tensor q = Tensor::of(qkv, {T, width}).narrow(1, 0, H * D).split_last(H, D);  // [T, H, D], row stride 3HD
  ops::rmsnorm(ctx, q, w.tensor({D}), q, 1e-6f);
  // Every q head normalised on its own; k and v untouched.
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t h = 0; h < H; ++h) {
      std::vector<float> head(original.begin() + t * width + h * D, original.begin() + t * width + (h + 1) * D);
      std::vector<float> got(qkv.begin() + t * width + h * D, qkv.begin() + t * width + (h + 1) * D);
      require_close(got, rmsnorm_expected(head, nullptr, w.values, false, 1, D, D, 1e-6), kF32, "head");
    }
    for (int64_t i = H * D; i < width; ++i) REQUIRE(qkv[size_t(t * width + i)] == original[size_t(t * width + i)]);
  }
}

TEST_CASE("layernorm matches the double reference", "[kernels][norm]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  const int64_t d = GENERATE(1, 3, 17, 129, 1024);
  const DType wtype = GENERATE(DType::F32, DType::BF16);
  CAPTURE(tops_cpu_path_name(path), d, dtype_name(wtype));
  Context ctx = Context::cpu(2, path);
  std::mt19937 rng{uint32_t(d)};
  const int64_t rows = 4;
  auto x = random_floats(size_t(rows * d), rng, 2.0f);
  for (auto& v : x) v += 5.0f;  // a large mean: checks the variance is not computed as E[x²] - mean²
  Weight w = make_weight(random_floats(size_t(d), rng), wtype);
  Weight b = make_weight(random_floats(size_t(d), rng), wtype);
  auto y = poisoned(x.size());
  Tensor wt = w.tensor({d}), bt = b.tensor({d});
  ops::layernorm(ctx, Tensor::of(x, {rows, d}), &wt, &bt, Tensor::of(y, {rows, d}), 1e-6f);
  std::vector<double> expected(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < d; ++i) mean += x[r * d + i];
    mean /= double(d);
    for (int64_t i = 0; i < d; ++i) var += (x[r * d + i] - mean) * (x[r * d + i] - mean);
    var /= double(d);
    for (int64_t i = 0; i < d; ++i)
      expected[r * d + i] = (x[r * d + i] - mean) / std::sqrt(var + 1e-6) * w.values[i] + b.values[i];
  }
  // Cancellation in x - mean (mean ~5) costs ~5/|x - mean| ulps: allow 1e-4 absolute.
  require_close(y, expected, Tolerance{1e-5, 1e-4}, "layernorm");
}

TEST_CASE("norm ops report bad arguments with named errors", "[kernels][norm][errors]") {
  Context ctx = Context::cpu(1);
  std::vector<float> x(8 * 16, 1.5f), y(8 * 16), w(16, 1.0f), w_short(8, 1.0f);
  std::vector<int32_t> ids(8 * 16);
  Tensor xt = Tensor::of(x, {8, 16}), yt = Tensor::of(y, {8, 16});
  require_error(TOPS_ERR_SHAPE_MISMATCH, [&] { ops::rmsnorm(ctx, xt, Tensor::of(w_short, {8}), yt, 1e-6f); });
  require_error(TOPS_ERR_SHAPE_MISMATCH, [&] { ops::rmsnorm(ctx, xt, Tensor::of(w, {16}), Tensor::of(y, {16, 8}), 1e-6f); });
  require_error(TOPS_ERR_DTYPE, [&] { ops::rmsnorm(ctx, Tensor::of(ids, {8, 16}), Tensor::of(w, {16}), yt, 1e-6f); });
  require_error(TOPS_ERR_INVALID_ARG, [&] { ops::rmsnorm(ctx, xt, Tensor::of(w, {16}), yt, -1.0f); });
  CHECK(tops_rmsnorm(ctx, nullptr, Tensor::of(w, {16}).c(), nullptr, 1e-6f, 0, yt.c_out()) == TOPS_ERR_NULL_POINTER);
  CHECK(std::string(tops_last_error_message()).find("x is NULL") != std::string::npos);
  CHECK(tops_rmsnorm(nullptr, xt.c(), nullptr, nullptr, 1e-6f, 0, yt.c_out()) == TOPS_ERR_NULL_POINTER);
  tops_tensor no_data = *xt.c();
  no_data.data = nullptr;
  CHECK(tops_rmsnorm(ctx, &no_data, nullptr, nullptr, 1e-6f, 0, yt.c_out()) == TOPS_ERR_NULL_POINTER);
  tops_tensor on_gpu = *xt.c();
  on_gpu.device = TOPS_DEVICE_CUDA;
  CHECK(tops_rmsnorm(ctx, &on_gpu, nullptr, nullptr, 1e-6f, 0, yt.c_out()) == TOPS_ERR_DEVICE_MISMATCH);
  require_error(TOPS_ERR_SHAPE_MISMATCH, [&] { ops::layernorm(ctx, xt, nullptr, nullptr, Tensor::of(y, {128}), 1e-5f); });
}
