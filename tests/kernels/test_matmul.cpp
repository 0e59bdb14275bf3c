// tops_linear against a double reference: f32/bf16/f16 weights, decode (1 row) and prefill
// (many rows) shapes, odd sizes, bias, strided rows, every CPU path.
#include "test_util.h"

using namespace tops_test;
namespace ops = pio::ops;

TEST_CASE("linear matches the double reference on every CPU path", "[kernels][matmul]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  const DType wtype = GENERATE(DType::F32, DType::BF16, DType::F16);
  const auto shape = GENERATE(table<int64_t, int64_t, int64_t>({
      {1, 1, 1}, {1, 3, 17}, {1, 127, 129}, {1, 1024, 96}, {3, 17, 33}, {5, 129, 127},
      {17, 64, 50}, {64, 256, 40}, {33, 100, 129}}));
  const int64_t rows = std::get<0>(shape), in = std::get<1>(shape), out = std::get<2>(shape);
  const bool with_bias = GENERATE(false, true);
  CAPTURE(tops_cpu_path_name(path), dtype_name(wtype), rows, in, out, with_bias);

  Context ctx = Context::cpu(2, path);
  std::mt19937 rng(uint32_t(rows * 1000 + in * 10 + out));
  const auto x = random_floats(size_t(rows * in), rng);
  Weight w = make_weight(random_floats(size_t(out * in), rng), wtype);
  Weight b = make_weight(random_floats(size_t(out), rng), DType::F32);
  auto y = poisoned(size_t(rows * out));
  Tensor bt = b.tensor({out});
  ops::linear(ctx, Tensor::of(x, {rows, in}), w.tensor({out, in}), Tensor::of(y, {rows, out}), with_bias ? &bt : nullptr);

  std::vector<double> expected(y.size()), scale(y.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double acc = with_bias ? b.values[o] : 0.0, mag = with_bias ? std::fabs(b.values[o]) : 0.0;
      for (int64_t i = 0; i < in; ++i) {
        acc += double(x[r * in + i]) * w.values[o * in + i];
        mag += std::fabs(double(x[r * in + i]) * w.values[o * in + i]);
      }
      expected[r * out + o] = acc;
      scale[r * out + o] = mag;
    }
  // The AVX512_BF16 path rounds x to bf16 for bf16 weights (documented in matmul.h).
  const Tolerance tol = (path == TOPS_CPU_PATH_AVX512_BF16 && wtype == DType::BF16) ? kBF16 : kF32;
  require_close(y, expected, tol, "linear", &scale);
}

TEST_CASE("linear on strided views: rows of a wider buffer and a slice of a fused weight", "[kernels][matmul]") {
  const tops_cpu_path path = GENERATE(from_range(cpu_paths()));
  CAPTURE(tops_cpu_path_name(path));
  Context ctx = Context::cpu(2, path);
  const int64_t rows = 4, in = 40, out = 24, xw = 64, yw = 50;
  std::mt19937 rng(11);
  const auto xbuf = random_floats(size_t(rows * xw), rng);
  Weight fused = make_weight(random_floats(size_t(2 * out * in), rng), DType::BF16);  // [2*out, in]
  std::vector<float> ybuf(size_t(rows * yw), 7.0f);
  Tensor x = Tensor::of(xbuf, {rows, xw}).narrow(1, 8, in);
  Tensor w = fused.tensor({2 * out, in}).narrow(0, out, out);  // the second half ("up")
  Tensor y = Tensor::of(ybuf, {rows, yw}).narrow(1, 3, out);
  ops::linear(ctx, x, w, y);
  std::vector<float> got;
  std::vector<double> expected, scale;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double acc = 0, mag = 0;
      for (int64_t i = 0; i < in; ++i) {
        const double p = double(xbuf[r * xw + 8 + i]) * fused.values[(out + o) * in + i];
        acc += p;
        mag += std::fabs(p);
      }
      got.push_back(ybuf[r * yw + 3 + o]);
      expected.push_back(acc);
      scale.push_back(mag);
    }
  require_close(got, expected, path == TOPS_CPU_PATH_AVX512_BF16 ? kBF16 : kF32, "strided linear", &scale);
  // Columns outside the view are untouched.
  for (int64_t r = 0; r < rows; ++r) {
    CHECK(ybuf[r * yw + 2] == 7.0f);
    CHECK(ybuf[r * yw + 3 + out] == 7.0f);
  }
}

TEST_CASE("linear reports bad arguments", "[kernels][matmul][errors]") {
  Context ctx = Context::cpu(1);
  std::vector<float> x(2 * 8, 1.0f), w(4 * 8, 1.0f), y(2 * 4);
  std::vector<int32_t> wi(4 * 8);
  require_error(TOPS_ERR_SHAPE_MISMATCH,
                [&] { ops::linear(ctx, Tensor::of(x, {2, 8}), Tensor::of(w, {8, 4}), Tensor::of(y, {2, 4})); });
  require_error(TOPS_ERR_SHAPE_MISMATCH,
                [&] { ops::linear(ctx, Tensor::of(x, {2, 8}), Tensor::of(w, {4, 8}), Tensor::of(y, {4, 2})); });
  require_error(TOPS_ERR_DTYPE,
                [&] { ops::linear(ctx, Tensor::of(x, {2, 8}), Tensor::of(wi, {4, 8}), Tensor::of(y, {2, 4})); });
  CHECK(tops_linear(ctx, Tensor::of(x, {2, 8}).c(), nullptr, nullptr, Tensor::of(y, {2, 4}).c_out()) ==
        TOPS_ERR_NULL_POINTER);
  CHECK(std::string(tops_last_error_message()) == "tops_linear: weight is NULL");
}

TEST_CASE("contexts: forced paths, thread counts, memory", "[kernels][context]") {
  for (tops_cpu_path p : cpu_paths()) {
    Context ctx = Context::cpu(3, p);
    CHECK(ctx.cpu_path() == p);
    CHECK(ctx.num_threads() == 3);
  }
  CHECK(Context::cpu().num_threads() >= 1);
  CHECK(Context::cpu().cpu_path() != TOPS_CPU_PATH_AUTO);
  tops_context_options o;
  tops_context_options_init(&o);
  o.num_threads = -1;
  tops_context* raw = nullptr;
  CHECK(tops_context_create(&o, &raw) == TOPS_ERR_INVALID_ARG);
  CHECK(raw == nullptr);
  o.num_threads = 0;
  o.device = TOPS_DEVICE_CUDA;
  const tops_status s = tops_context_create(&o, &raw);
  if (s == TOPS_OK) tops_context_release(raw);
  else CHECK((s == TOPS_ERR_UNSUPPORTED || s == TOPS_ERR_CUDA));
  Context ctx = Context::cpu(1);
  ops::Buffer buf(ctx, 100);
  const char msg[] = "hello kernels";
  buf.upload(msg, sizeof(msg));
  char back[sizeof(msg)] = {};
  buf.download(back, sizeof(msg));
  CHECK(std::string(back) == msg);
  CHECK(reinterpret_cast<uintptr_t>(buf.data()) % 64 == 0);
}
