// The dense op families on CUDA against the CPU backend on random inputs: linear (decode GEMV
// and prefill cuBLAS, every weight dtype, bias), RMSNorm variants, LayerNorm, RoPE (NeoX, GPT-J,
// partial, M-RoPE, vision 2D), attention (GQA causal prefill, decode over a cache, paged ==
// contiguous, cu_seqlens segments, sigmoid gate, dk != dv), activations, SwiGLU, softmax,
// argmax/top-k, embedding, elementwise. Tagged [cuda]; skips when no device is present.
#include <catch2/catch.hpp>

#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "test_moe_common.h"

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// One tensor mirrored on the host (for the CPU run) and on the device (for the CUDA run).
class Mirror {
 public:
  Mirror(tops_context* gpu, const void* data, size_t bytes, tops_dtype dt, std::vector<int64_t> shape)
      : dt_(dt), shape_(std::move(shape)), host_(bytes), dev_(gpu, data, bytes) {
    if (bytes) std::memcpy(host_.data(), data, bytes);
  }
  template <class T>
  Mirror(tops_context* gpu, const std::vector<T>& v, tops_dtype dt, std::vector<int64_t> shape)
      : Mirror(gpu, v.data(), v.size() * sizeof(T), dt, std::move(shape)) {}
  tops_tensor cpu() { return make(host_.data(), TOPS_DEVICE_CPU); }
  tops_tensor gpu() { return make(dev_.get(), TOPS_DEVICE_CUDA); }
  std::vector<float> cpu_f32() const {
    std::vector<float> v(host_.size() / 4);
    std::memcpy(v.data(), host_.data(), host_.size());
    return v;
  }
  std::vector<float> gpu_f32() const { return dev_.download<float>(); }
  std::vector<int32_t> cpu_i32() const {
    std::vector<int32_t> v(host_.size() / 4);
    std::memcpy(v.data(), host_.data(), host_.size());
    return v;
  }
  std::vector<int32_t> gpu_i32() const { return dev_.download<int32_t>(); }

 private:
  tops_tensor make(void* p, tops_device d) const {
    tops_tensor t{};
    KT_OK(tops_tensor_init(&t, p, dt_, d, int32_t(shape_.size()), shape_.data()));
    return t;
  }
  tops_dtype dt_;
  std::vector<int64_t> shape_;
  std::vector<char> host_;
  kt::DeviceBuffer dev_;
};

std::unique_ptr<Mirror> f32(tops_context* gpu, const std::vector<float>& v, std::vector<int64_t> shape) {
  return std::make_unique<Mirror>(gpu, v, TOPS_F32, std::move(shape));
}
std::unique_ptr<Mirror> poisoned(tops_context* gpu, std::vector<int64_t> shape) {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  return f32(gpu, std::vector<float>(size_t(n), kNaN), std::move(shape));
}

void compare(const Mirror& out, double abs_tol, double rel_tol, const std::string& op, const std::string& shape,
             double ms, double bytes = 0.0) {
  const auto got = out.gpu_f32(), want = out.cpu_f32();
  kt::require_close(got, want, abs_tol, rel_tol, op);
  kt::report_gpu_check(op, shape, kt::max_rel_error(got, want), ms, bytes);
}

}  // namespace

TEST_CASE("cuda: linear matches the CPU backend", "[cuda][matmul]") {
  KT_REQUIRE_CUDA(gpu);
  auto cpu = kt::cpu_context_f32();
  struct Case {
    int64_t rows, in, out;
  };
  const Case c = GENERATE(Case{1, 1024, 3072}, Case{1, 3072, 1024}, Case{3, 67, 129}, Case{128, 1024, 3072},
                          Case{37, 129, 67});
  const tops_dtype wdt = GENERATE(as<tops_dtype>{}, TOPS_F32, TOPS_BF16, TOPS_F16);
  const bool bias = c.rows == 37;
  CAPTURE(c.rows, c.in, c.out, tops_dtype_name(wdt));
  const auto x = kt::nonzero(size_t(c.rows * c.in), 0.1f, 1.0f, 11);
  const kt::Weights w = kt::make_weights(wdt, kt::nonzero(size_t(c.out * c.in), 0.01f, 0.1f, 12));
  const kt::Weights b = kt::make_weights(wdt, kt::nonzero(size_t(c.out), 0.1f, 1.0f, 13));
  auto mx = f32(gpu.get(), x, {c.rows, c.in});
  Mirror mw(gpu.get(), w.data(), w.bytes(), wdt, {c.out, c.in});
  Mirror mb(gpu.get(), b.data(), b.bytes(), wdt, {c.out});
  auto my = poisoned(gpu.get(), {c.rows, c.out});
  tops_tensor xc = mx->cpu(), wc = mw.cpu(), bc = mb.cpu(), yc = my->cpu();
  KT_OK(tops_linear(cpu.get(), &xc, &wc, bias ? &bc : nullptr, &yc));
  tops_tensor xg = mx->gpu(), wg = mw.gpu(), bg = mb.gpu(), yg = my->gpu();
  KT_OK(tops_linear(gpu.get(), &xg, &wg, bias ? &bg : nullptr, &yg));
  const double ms = kt::time_ms(gpu.get(), [&] { KT_OK(tops_linear(gpu.get(), &xg, &wg, bias ? &bg : nullptr, &yg)); });
  // Prefill with 16-bit weights rounds activations to the weight type (cuBLAS): bf16 tolerance.
  const bool rounded = c.rows > 8 && wdt != TOPS_F32;
  compare(*my, rounded ? 1e-2 : 1e-4, rounded ? 2e-2 : 1e-4, std::string("linear ") + tops_dtype_name(wdt),
          std::to_string(c.rows) + "x" + std::to_string(c.in) + "->" + std::to_string(c.out), ms,
          double(c.out * c.in) * double(tops_dtype_size(wdt)) + 4.0 * double(c.rows * (c.in + c.out)));
}

TEST_CASE("cuda: rmsnorm variants and layernorm match the CPU backend", "[cuda][norm]") {
  KT_REQUIRE_CUDA(gpu);
  auto cpu = kt::cpu_context_f32();
  const int64_t T = GENERATE(1, 7), H = 5, D = 129;
  const int variant = GENERATE(0, 1, 2, 3);  // plain, zero-centred, gated, layernorm
  CAPTURE(T, variant);
  auto mx = f32(gpu.get(), kt::nonzero(size_t(T * H * D), 0.1f, 2.0f, 21), {T, H, D});
  const kt::Weights w = kt::make_weights(TOPS_BF16, kt::nonzero(size_t(D), 0.1f, 1.5f, 22));
  Mirror mw(gpu.get(), w.data(), w.bytes(), TOPS_BF16, {D});
  auto mg = f32(gpu.get(), kt::nonzero(size_t(T * H * D), 0.1f, 2.0f, 23), {T, H, D});
  auto mb = f32(gpu.get(), kt::nonzero(size_t(D), 0.1f, 1.0f, 24), {D});
  auto my = poisoned(gpu.get(), {T, H, D});
  auto run = [&](tops_context* ctx, tops_tensor x, tops_tensor wt, tops_tensor g, tops_tensor b, tops_tensor y) {
    if (variant == 3) return tops_layernorm(ctx, &x, &wt, &b, 1e-5f, &y);
    return tops_rmsnorm(ctx, &x, &wt, variant == 2 ? &g : nullptr, 1e-6f,
                        variant == 1 ? uint32_t(TOPS_RMSNORM_ZERO_CENTERED) : 0u, &y);
  };
  KT_OK(run(cpu.get(), mx->cpu(), mw.cpu(), mg->cpu(), mb->cpu(), my->cpu()));
  KT_OK(run(gpu.get(), mx->gpu(), mw.gpu(), mg->gpu(), mb->gpu(), my->gpu()));
  const double ms = kt::time_ms(gpu.get(), [&] { KT_OK(run(gpu.get(), mx->gpu(), mw.gpu(), mg->gpu(), mb->gpu(), my->gpu())); });
  const char* names[] = {"rmsnorm", "rmsnorm (1+w)", "rmsnorm gated", "layernorm"};
  std::string shape = "T=";  // (built piecewise: GCC 12 warns falsely on "[" + to_string + "...")
  shape += std::to_string(T);
  shape += " H=5 D=129";
  compare(*my, 1e-5, 1e-5, names[variant], shape, ms);
}

TEST_CASE("cuda: rope matches the CPU backend", "[cuda][rope]") {
  KT_REQUIRE_CUDA(gpu);
  auto cpu = kt::cpu_context_f32();
  const int mode = GENERATE(0, 1, 2, 3);  // NeoX full, GPT-J partial, M-RoPE interleaved, vision 2D
  CAPTURE(mode);
  const int64_t T = 11, H = 3, D = 64;
  tops_rope_params p;
  tops_rope_params_init(&p);
  p.rotary_dim = mode == 1 ? 32 : 64;
  p.pairing = mode == 1 ? TOPS_ROPE_GPTJ : TOPS_ROPE_NEOX;
  int64_t n_axes = 1, n_freq = p.rotary_dim / 2;
  if (mode == 2) {
    p.mode = TOPS_ROPE_MODE_MROPE;
    p.mrope_section[0] = 12;
    p.mrope_section[1] = 10;
    p.mrope_section[2] = 10;
    n_axes = 3;
  } else if (mode == 3) {
    p.mode = TOPS_ROPE_MODE_VISION_2D;
    n_axes = 2;
    n_freq = p.rotary_dim / 4;
  }
  std::vector<float> inv(static_cast<size_t>(n_freq));
  tops_rope_freq_params fp;
  tops_rope_freq_params_init(&fp);
  fp.dim = int32_t(2 * n_freq);
  fp.theta = 1e6;
  KT_OK(tops_rope_inv_freq(&fp, inv.data(), nullptr));
  std::vector<int32_t> pos(size_t(n_axes * T));
  for (size_t i = 0; i < pos.size(); ++i) pos[i] = int32_t((i * 37) % 5000);
  auto mx = f32(gpu.get(), kt::nonzero(size_t(T * H * D), 0.1f, 2.0f, 31), {T, H, D});
  Mirror mp(gpu.get(), pos, TOPS_I32, n_axes == 1 ? std::vector<int64_t>{T} : std::vector<int64_t>{n_axes, T});
  auto mi = f32(gpu.get(), inv, {n_freq});
  tops_tensor xc = mx->cpu(), pc = mp.cpu(), ic = mi->cpu();
  KT_OK(tops_rope(cpu.get(), &xc, &pc, &ic, &p));
  tops_tensor xg = mx->gpu(), pg = mp.gpu(), ig = mi->gpu();
  KT_OK(tops_rope(gpu.get(), &xg, &pg, &ig, &p));
  const char* names[] = {"rope neox", "rope gptj partial", "rope mrope", "rope vision2d"};
  compare(*mx, 1e-5, 1e-5, names[mode], "[11, 3, 64]", 0.0);
}

TEST_CASE("cuda: attention matches the CPU backend (contiguous, paged, segments, gate)", "[cuda][attention]") {
  KT_REQUIRE_CUDA(gpu);
  auto cpu = kt::cpu_context_f32();
  struct Case {
    int64_t nq, nk, hq, hkv, dk, dv;
    bool causal, gate, segments;
  };
  const Case c = GENERATE(Case{1, 300, 16, 8, 128, 128, true, false, false},   // decode over a cache
                          Case{77, 77, 8, 2, 64, 64, true, false, false},      // prefill, GQA 4
                          Case{5, 133, 4, 4, 192 + 64, 256, true, true, false},  // MLA dims + gate
                          Case{40, 40, 4, 4, 32, 32, false, false, true});     // vision segments
  CAPTURE(c.nq, c.nk, c.hq, c.hkv, c.dk, c.dv);
  auto mq = f32(gpu.get(), kt::nonzero(size_t(c.nq * c.hq * c.dk), 0.1f, 1.0f, 41), {c.nq, c.hq, c.dk});
  auto mk = f32(gpu.get(), kt::nonzero(size_t(c.nk * c.hkv * c.dk), 0.1f, 1.0f, 42), {c.nk, c.hkv, c.dk});
  auto mv = f32(gpu.get(), kt::nonzero(size_t(c.nk * c.hkv * c.dv), 0.1f, 1.0f, 43), {c.nk, c.hkv, c.dv});
  auto mg = f32(gpu.get(), kt::nonzero(size_t(c.nq * c.hq * c.dv), 0.1f, 2.0f, 44), {c.nq, c.hq, c.dv});
  Mirror mcu(gpu.get(), std::vector<int32_t>{0, 9, 25, 40}, TOPS_I32, {4});
  auto mo = poisoned(gpu.get(), {c.nq, c.hq, c.dv});
  tops_attention_params p{1.0f / std::sqrt(float(c.dk)), c.causal ? 1 : 0};
  auto run = [&](tops_context* ctx, tops_tensor q, tops_tensor k, tops_tensor v, tops_tensor g, tops_tensor cu,
                 tops_tensor o) {
    return tops_attention(ctx, &q, &k, &v, c.gate ? &g : nullptr, c.segments ? &cu : nullptr, &p, &o);
  };
  KT_OK(run(cpu.get(), mq->cpu(), mk->cpu(), mv->cpu(), mg->cpu(), mcu.cpu(), mo->cpu()));
  KT_OK(run(gpu.get(), mq->gpu(), mk->gpu(), mv->gpu(), mg->gpu(), mcu.gpu(), mo->gpu()));
  const double ms =
      kt::time_ms(gpu.get(), [&] { KT_OK(run(gpu.get(), mq->gpu(), mk->gpu(), mv->gpu(), mg->gpu(), mcu.gpu(), mo->gpu())); });
  const std::string shape = "nq=" + std::to_string(c.nq) + " nk=" + std::to_string(c.nk) + " hq=" + std::to_string(c.hq) +
                            " hkv=" + std::to_string(c.hkv) + " dk=" + std::to_string(c.dk) + " dv=" + std::to_string(c.dv);
  compare(*mo, 1e-5, 1e-4, "attention", shape, ms, 4.0 * double(c.nk * c.hkv * (c.dk + c.dv)));

  if (c.segments || c.gate) return;
  // The same keys in a paged cache (block 16, blocks in shuffled order) give the same output.
  const int64_t bs = 16, n_blocks = (c.nk + bs - 1) / bs + 2;
  std::vector<int32_t> table(size_t((c.nk + bs - 1) / bs));
  for (size_t b = 0; b < table.size(); ++b) table[b] = int32_t((b * 5 + 1) % size_t(n_blocks));
  Mirror mt(gpu.get(), table, TOPS_I32, {int64_t(table.size())});
  auto kpool = poisoned(gpu.get(), {n_blocks, bs, c.hkv, c.dk});
  auto vpool = poisoned(gpu.get(), {n_blocks, bs, c.hkv, c.dv});
  auto po = poisoned(gpu.get(), {c.nq, c.hq, c.dv});
  tops_tensor kp = kpool->gpu(), vp = vpool->gpu(), tg = mt.gpu(), kg = mk->gpu(), vg = mv->gpu();
  KT_OK(tops_paged_kv_append(gpu.get(), &kp, &vp, &tg, 0, &kg, &vg));
  tops_tensor qg = mq->gpu(), og = po->gpu();
  KT_OK(tops_paged_attention(gpu.get(), &qg, &kp, &vp, &tg, c.nk, nullptr, &p, &og));
  kt::require_close(po->gpu_f32(), mo->gpu_f32(), 1e-6, 1e-5, "paged == contiguous (CUDA)");
}

TEST_CASE("cuda: activations, swiglu, softmax, top-k, embedding, elementwise match the CPU backend",
          "[cuda][activation][softmax][topk][embedding][elementwise]") {
  KT_REQUIRE_CUDA(gpu);
  auto cpu = kt::cpu_context_f32();
  const int64_t R = 6, N = 1031;
  const auto xv = kt::nonzero(size_t(R * N), 0.1f, 6.0f, 51);
  auto mx = f32(gpu.get(), xv, {R, N});
  for (tops_activation_kind kind : {TOPS_ACT_SILU, TOPS_ACT_GELU_ERF, TOPS_ACT_GELU_TANH, TOPS_ACT_SIGMOID,
                                    TOPS_ACT_SOFTPLUS}) {
    auto my = poisoned(gpu.get(), {R, N});
    tops_tensor xc = mx->cpu(), yc = my->cpu(), xg = mx->gpu(), yg = my->gpu();
    KT_OK(tops_activation(cpu.get(), kind, &xc, &yc));
    KT_OK(tops_activation(gpu.get(), kind, &xg, &yg));
    compare(*my, 1e-6, 1e-5, "activation " + std::to_string(kind), "[6, 1031]", 0.0);
  }
  {  // fused swiglu: gate_up [R, 2N] -> [R, N]
    auto mgu = f32(gpu.get(), kt::nonzero(size_t(R * 2 * N), 0.1f, 4.0f, 52), {R, 2 * N});
    auto my = poisoned(gpu.get(), {R, N});
    tops_tensor gc = mgu->cpu(), yc = my->cpu(), gg = mgu->gpu(), yg = my->gpu();
    KT_OK(tops_swiglu(cpu.get(), &gc, nullptr, &yc));
    KT_OK(tops_swiglu(gpu.get(), &gg, nullptr, &yg));
    compare(*my, 1e-6, 1e-5, "swiglu fused", "[6, 2x1031]", 0.0);
  }
  {
    auto my = poisoned(gpu.get(), {R, N});
    tops_tensor xc = mx->cpu(), yc = my->cpu(), xg = mx->gpu(), yg = my->gpu();
    KT_OK(tops_softmax(cpu.get(), &xc, &yc));
    KT_OK(tops_softmax(gpu.get(), &xg, &yg));
    compare(*my, 1e-8, 1e-5, "softmax", "[6, 1031]", 0.0);
  }
  {
    const int32_t k = 40;
    const int64_t V = 151936;
    auto ml = f32(gpu.get(), kt::nonzero(size_t(2 * V), 0.01f, 20.0f, 53), {2, V});
    auto vals = poisoned(gpu.get(), {2, k});
    Mirror idx(gpu.get(), std::vector<int32_t>(size_t(2 * k), -1), TOPS_I32, {2, k});
    Mirror amax(gpu.get(), std::vector<int32_t>(2, -1), TOPS_I32, {2});
    tops_tensor lc = ml->cpu(), vc = vals->cpu(), ic = idx.cpu(), ac = amax.cpu();
    KT_OK(tops_topk(cpu.get(), &lc, k, &vc, &ic));
    KT_OK(tops_argmax(cpu.get(), &lc, &ac));
    tops_tensor lg = ml->gpu(), vg = vals->gpu(), ig = idx.gpu(), ag = amax.gpu();
    const double ms = kt::time_ms(gpu.get(), [&] { KT_OK(tops_topk(gpu.get(), &lg, k, &vg, &ig)); });
    KT_OK(tops_argmax(gpu.get(), &lg, &ag));
    REQUIRE(idx.gpu_i32() == idx.cpu_i32());
    REQUIRE(amax.gpu_i32() == amax.cpu_i32());
    compare(*vals, 0.0, 0.0, "topk k=40", "[2, 151936]", ms);
  }
  {
    const int64_t V = 1000, D = 129;
    const kt::Weights table = kt::make_weights(TOPS_BF16, kt::nonzero(size_t(V * D), 0.1f, 1.0f, 54));
    Mirror mt(gpu.get(), table.data(), table.bytes(), TOPS_BF16, {V, D});
    Mirror ids(gpu.get(), std::vector<int32_t>{5, 999, 0, 5, 123}, TOPS_I32, {5});
    auto out = poisoned(gpu.get(), {5, D});
    tops_tensor tc = mt.cpu(), ic = ids.cpu(), oc = out->cpu(), tg = mt.gpu(), ig = ids.gpu(), og = out->gpu();
    KT_OK(tops_embedding(cpu.get(), &tc, &ic, &oc));
    KT_OK(tops_embedding(gpu.get(), &tg, &ig, &og));
    compare(*out, 0.0, 0.0, "embedding bf16", "[1000, 129] x 5", 0.0);
    Mirror bad(gpu.get(), std::vector<int32_t>{5, 1000}, TOPS_I32, {2});
    tops_tensor bg = bad.gpu();
    tops_tensor og2 = out->gpu();
    og2.shape[0] = 2;
    CHECK(tops_embedding(gpu.get(), &tg, &bg, &og2) == TOPS_ERR_INVALID_ARG);
  }
  {
    auto mb = f32(gpu.get(), kt::nonzero(size_t(N), 0.1f, 1.0f, 55), {N});  // broadcast over rows
    auto my = poisoned(gpu.get(), {R, N});
    tops_tensor xc = mx->cpu(), bc = mb->cpu(), yc = my->cpu(), xg = mx->gpu(), bg = mb->gpu(), yg = my->gpu();
    KT_OK(tops_add(cpu.get(), &xc, &bc, &yc));
    KT_OK(tops_add(gpu.get(), &xg, &bg, &yg));
    compare(*my, 0.0, 0.0, "add (broadcast)", "[6, 1031] + [1031]", 0.0);
    KT_OK(tops_mul(cpu.get(), &xc, &xc, &yc));
    KT_OK(tops_mul(gpu.get(), &xg, &xg, &yg));
    compare(*my, 0.0, 0.0, "mul", "[6, 1031]", 0.0);
    KT_OK(tops_scale(cpu.get(), &xc, 0.37f, &yc));
    KT_OK(tops_scale(gpu.get(), &xg, 0.37f, &yg));
    compare(*my, 0.0, 0.0, "scale", "[6, 1031]", 0.0);
    Mirror half_out(gpu.get(), std::vector<uint16_t>(size_t(R * N), 0), TOPS_BF16, {R, N});
    tops_tensor hc = half_out.cpu(), hg = half_out.gpu();
    KT_OK(tops_copy(cpu.get(), &xc, &hc));
    KT_OK(tops_copy(gpu.get(), &xg, &hg));
    REQUIRE(half_out.gpu_i32() == half_out.cpu_i32());  // bit-identical bf16 rounding
  }
}
