// Embedding, softmax, argmax, top-k, add/mul/scale (with broadcast), copy with conversion.
#include <algorithm>
#include <numeric>

#include "test_util.h"

using namespace tops_test;
namespace ops = pio::ops;

TEST_CASE("embedding gathers and widens rows", "[kernels][embedding]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  const DType dtype = GENERATE(DType::F32, DType::BF16, DType::F16);
  const int64_t d = GENERATE(1, 17, 1024);
  CAPTURE(tops_cpu_path_name(path), dtype_name(dtype), d);
  Context ctx = Context::cpu(2, path);
  const int64_t vocab = 50;
  std::mt19937 rng{uint32_t(d)};
  Weight table = make_weight(random_floats(size_t(vocab * d), rng), dtype);
  std::vector<int32_t> ids = {3, 49, 0, 3, 17};
  auto out = poisoned(size_t(5 * d));
  ops::embedding(ctx, table.tensor({vocab, d}), Tensor::of(ids, {5}), Tensor::of(out, {5, d}));
  for (int64_t t = 0; t < 5; ++t)
    for (int64_t i = 0; i < d; ++i) REQUIRE(out[t * d + i] == table.values[ids[t] * d + i]);
  std::vector<int32_t> bad = {1, 50};
  auto untouched = poisoned(size_t(2 * d));
  require_error(TOPS_ERR_INVALID_ARG, [&] {
    ops::embedding(ctx, table.tensor({vocab, d}), Tensor::of(bad, {2}), Tensor::of(untouched, {2, d}));
  });
  CHECK(std::string(tops_last_error_message()).find("ids[1] = 50") != std::string::npos);
  CHECK(std::isnan(untouched[0]));  // nothing written before the check failed
}

TEST_CASE("softmax matches the reference and rows sum to 1", "[kernels][softmax]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  const int64_t n = GENERATE(1, 3, 129, 151936);
  CAPTURE(tops_cpu_path_name(path), n);
  Context ctx = Context::cpu(2, path);
  std::mt19937 rng{uint32_t(n)};
  auto x = random_floats(size_t(2 * n), rng, 20.0f);
  x[0] = -INFINITY;
  if (n > 1) x[1] = 80.0f;  // exp would overflow without the max subtraction
  auto y = poisoned(x.size());
  ops::softmax(ctx, Tensor::of(x, {2, n}), Tensor::of(y, {2, n}));
  for (int64_t r = 0; r < 2; ++r) {
    double m = -INFINITY, s = 0, total = 0;
    for (int64_t i = 0; i < n; ++i) m = std::max(m, double(x[r * n + i]));
    for (int64_t i = 0; i < n; ++i) s += std::exp(x[r * n + i] - m);
    std::vector<double> expected(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      expected[size_t(i)] = std::exp(x[r * n + i] - m) / s;
      total += y[r * n + i];
    }
    if (r == 0 && n == 1) continue;  // a row of one -inf: NaN, as torch
    require_close(std::vector<float>(y.begin() + r * n, y.begin() + (r + 1) * n), expected, Tolerance{1e-5, 1e-9}, "softmax");
    CHECK(total == Approx(1.0).epsilon(1e-5));
  }
  if (n > 1) CHECK(y[0] == 0.0f);
}

TEST_CASE("argmax and top-k: order, ties, NaN", "[kernels][topk]") {
  Context ctx = Context::cpu(2);
  std::mt19937 rng(8);
  const int64_t n = 151936;
  auto logits = random_floats(size_t(2 * n), rng, 10.0f);
  logits[777] = 50.0f;
  logits[n + 5] = 60.0f;
  logits[n + 6] = 60.0f;  // tie: lower index wins
  std::vector<int32_t> idx(2, -1);
  ops::argmax(ctx, Tensor::of(logits, {2, n}), Tensor::of(idx, {2}));
  CHECK(idx == std::vector<int32_t>{777, int32_t(n + 5 - n)});
  CHECK(ops::argmax(ctx, std::span<const float>(logits.data(), size_t(n))) == 777);
  const int32_t k = 40;
  std::vector<int32_t> ti(size_t(2 * k));
  auto tv = poisoned(size_t(2 * k));
  Tensor tvt = Tensor::of(tv, {2, k});
  ops::topk(ctx, Tensor::of(logits, {2, n}), k, &tvt, Tensor::of(ti, {2, k}));
  for (int64_t r = 0; r < 2; ++r) {
    std::vector<int32_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return logits[r * n + a] > logits[r * n + b]; });
    for (int32_t j = 0; j < k; ++j) {
      CHECK(ti[size_t(r * k + j)] == order[size_t(j)]);
      CHECK(tv[size_t(r * k + j)] == logits[size_t(r * n + order[size_t(j)])]);
    }
  }
  std::vector<float> with_nan = {1.0f, NAN, 3.0f, NAN};
  CHECK(ops::argmax(ctx, std::span<const float>(with_nan)) == 1);
  require_error(TOPS_ERR_INVALID_ARG, [&] { ops::topk(ctx, Tensor::of(with_nan, {4}), 5, nullptr, Tensor::of(ti, {2 * k}).narrow(0, 0, 5)); });
}

TEST_CASE("add, mul, scale with broadcast and in place", "[kernels][elementwise]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  const int64_t d = GENERATE(1, 17, 1024);
  CAPTURE(tops_cpu_path_name(path), d);
  Context ctx = Context::cpu(2, path);
  std::mt19937 rng{uint32_t(d)};
  const int64_t rows = 5;
  const auto a = random_floats(size_t(rows * d), rng), b = random_floats(size_t(rows * d), rng);
  const auto bias = random_floats(size_t(d), rng);
  auto y = poisoned(a.size());
  std::vector<double> e(a.size());
  ops::add(ctx, Tensor::of(a, {rows, d}), Tensor::of(b, {rows, d}), Tensor::of(y, {rows, d}));
  for (size_t i = 0; i < a.size(); ++i) e[i] = double(a[i]) + b[i];
  require_close(y, e, kF32, "add");
  ops::mul(ctx, Tensor::of(a, {rows, d}), Tensor::of(bias, {d}), Tensor::of(y, {rows, d}));
  for (size_t i = 0; i < a.size(); ++i) e[i] = double(a[i]) * bias[i % size_t(d)];
  require_close(y, e, kF32, "mul broadcast");
  auto h = a;  // residual add in place
  ops::add(ctx, Tensor::of(h, {rows, d}), Tensor::of(b, {rows, d}), Tensor::of(h, {rows, d}));
  for (size_t i = 0; i < a.size(); ++i) e[i] = double(a[i]) + b[i];
  require_close(h, e, kF32, "add in place");
  ops::scale(ctx, Tensor::of(a, {rows, d}), -0.375f, Tensor::of(y, {rows, d}));
  for (size_t i = 0; i < a.size(); ++i) e[i] = double(a[i]) * -0.375;
  require_close(y, e, kF32, "scale");
  require_error(TOPS_ERR_SHAPE_MISMATCH,
                [&] { ops::add(ctx, Tensor::of(a, {rows, d}), Tensor::of(b, {d, rows}), Tensor::of(y, {rows, d})); });
}

TEST_CASE("copy converts between f32, bf16 and f16 over strided views", "[kernels][elementwise]") {
  Context ctx = Context::cpu(2);
  std::mt19937 rng(4);
  const auto src = random_floats(6 * 10, rng, 100.0f);
  std::vector<uint16_t> bf(6 * 10), hf(6 * 10);
  ops::copy(ctx, Tensor::of(src, {6, 10}), Tensor(bf.data(), DType::BF16, {6, 10}));
  ops::copy(ctx, Tensor::of(src, {6, 10}), Tensor(hf.data(), DType::F16, {6, 10}));
  for (size_t i = 0; i < src.size(); ++i) {
    CHECK(bf[i] == to_bf16(src[i]));
    CHECK(hf[i] == to_f16(src[i]));
  }
  // Transposed (strided) read of the bf16 copy back into f32.
  std::vector<float> back(60);
  Tensor bft(bf.data(), DType::BF16, {6, 10});
  tops_tensor tr = *bft.c();
  std::swap(tr.shape[0], tr.shape[1]);
  std::swap(tr.strides[0], tr.strides[1]);
  ops::copy(ctx, Tensor(tr), Tensor::of(back, {10, 6}));
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 10; ++j) CHECK(back[size_t(j * 6 + i)] == from_bf16(bf[size_t(i * 10 + j)]));
  std::vector<int32_t> ids(60);
  require_error(TOPS_ERR_DTYPE, [&] { ops::copy(ctx, Tensor::of(src, {6, 10}), Tensor::of(ids, {6, 10})); });
}
