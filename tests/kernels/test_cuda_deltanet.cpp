// Gated DeltaNet ops: CUDA against the CPU backend on random inputs (odd sizes and Qwen3-Next's
// real head sizes), recurrent and chunked; carried states; named errors. Tagged [cuda]; each
// case skips with a message when no CUDA device or backend is present.
#include <catch2/catch.hpp>

#include <limits>
#include <string>
#include <vector>

#include "test_moe_common.h"

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Shape {
  int64_t T, Hk, Hv, dk, dv;
};

std::string shape_name(const Shape& s) {
  return "T=" + std::to_string(s.T) + " Hk=" + std::to_string(s.Hk) + " Hv=" + std::to_string(s.Hv) +
         " dk=" + std::to_string(s.dk) + " dv=" + std::to_string(s.dv);
}

struct Io {
  std::vector<float> q, k, v, g, beta, state, out;
};

Io make_io(const Shape& s, uint32_t seed) {
  Io io;
  io.q = kt::nonzero(size_t(s.T * s.Hk * s.dk), 0.1f, 1.0f, seed);
  io.k = kt::nonzero(size_t(s.T * s.Hk * s.dk), 0.1f, 1.0f, seed + 1);
  io.v = kt::nonzero(size_t(s.T * s.Hv * s.dv), 0.1f, 1.0f, seed + 2);
  io.g = kt::uniform(size_t(s.T * s.Hv), -0.6f, -0.01f, seed + 3);
  io.beta = kt::uniform(size_t(s.T * s.Hv), 0.05f, 0.95f, seed + 4);
  io.state = kt::nonzero(size_t(s.Hv * s.dk * s.dv), 0.01f, 0.3f, seed + 5);
  io.out.assign(size_t(s.T * s.Hv * s.dv), kNaN);
  return io;
}

tops_status delta(tops_context* ctx, const Shape& s, tops_device dev, const void* q, const void* k, const void* v,
                  const void* g, const void* b, void* state, void* out, tops_delta_rule_mode mode) {
  const tops_tensor qt = kt::view(q, TOPS_F32, {s.T, s.Hk, s.dk}, dev);
  const tops_tensor kt_ = kt::view(k, TOPS_F32, {s.T, s.Hk, s.dk}, dev);
  const tops_tensor vt = kt::view(v, TOPS_F32, {s.T, s.Hv, s.dv}, dev);
  const tops_tensor gt = kt::view(g, TOPS_F32, {s.T, s.Hv}, dev);
  const tops_tensor bt = kt::view(b, TOPS_F32, {s.T, s.Hv}, dev);
  tops_tensor st = kt::view(state, TOPS_F32, {s.Hv, s.dk, s.dv}, dev);
  tops_tensor ot = kt::view(out, TOPS_F32, {s.T, s.Hv, s.dv}, dev);
  tops_delta_rule_params p;
  tops_delta_rule_params_init(&p);
  p.mode = mode;
  return tops_gated_delta_rule(ctx, &qt, &kt_, &vt, &gt, &bt, &p, &st, &ot);
}

}  // namespace

TEST_CASE("cuda: gated delta rule matches the CPU backend", "[cuda][deltanet]") {
  KT_REQUIRE_CUDA(gpu);
  const Shape s = GENERATE(Shape{1, 1, 1, 4, 4}, Shape{37, 2, 4, 9, 11}, Shape{150, 2, 4, 16, 24},
                           Shape{1, 16, 32, 128, 128}, Shape{512, 16, 32, 128, 128});
  const tops_delta_rule_mode mode =
      GENERATE(as<tops_delta_rule_mode>{}, TOPS_DELTA_RULE_RECURRENT, TOPS_DELTA_RULE_CHUNKED);
  CAPTURE(shape_name(s), mode);
  Io cpu = make_io(s, 300 + uint32_t(s.T));
  const Io in = cpu;
  auto ctx = kt::cpu_context_f32();
  KT_OK(delta(ctx.get(), s, TOPS_DEVICE_CPU, cpu.q.data(), cpu.k.data(), cpu.v.data(), cpu.g.data(), cpu.beta.data(),
              cpu.state.data(), cpu.out.data(), mode));
  kt::DeviceBuffer q(gpu.get(), in.q), k(gpu.get(), in.k), v(gpu.get(), in.v), g(gpu.get(), in.g),
      b(gpu.get(), in.beta), st(gpu.get(), in.state), out(gpu.get(), in.out);
  const double ms = kt::time_ms(gpu.get(), [&] {
    KT_OK(delta(gpu.get(), s, TOPS_DEVICE_CUDA, q.get(), k.get(), v.get(), g.get(), b.get(), st.get(), out.get(), mode));
  });
  const auto got_out = out.download<float>();
  const auto got_state = st.download<float>();
  kt::require_close(got_out, cpu.out, 1e-4, 1e-4, "out");
  kt::require_close(got_state, cpu.state, 1e-4, 1e-4, "state");
  kt::report_gpu_check(std::string("delta_rule ") + (mode == TOPS_DELTA_RULE_CHUNKED ? "chunked" : "recurrent"),
                       shape_name(s), std::max(kt::max_rel_error(got_out, cpu.out), kt::max_rel_error(got_state, cpu.state)),
                       ms);
}

TEST_CASE("cuda: delta rule chunked == recurrent on the device, state carried across calls", "[cuda][deltanet]") {
  KT_REQUIRE_CUDA(gpu);
  const Shape s{200, 2, 4, 32, 16};
  const Io in = make_io(s, 77);
  kt::DeviceBuffer q(gpu.get(), in.q), k(gpu.get(), in.k), v(gpu.get(), in.v), g(gpu.get(), in.g),
      b(gpu.get(), in.beta);
  kt::DeviceBuffer st_whole(gpu.get(), in.state), out_whole(gpu.get(), in.out);
  KT_OK(delta(gpu.get(), s, TOPS_DEVICE_CUDA, q.get(), k.get(), v.get(), g.get(), b.get(), st_whole.get(),
              out_whole.get(), TOPS_DELTA_RULE_CHUNKED));
  // 130 tokens chunked, then 70 single-token recurrent steps from the carried state.
  kt::DeviceBuffer st(gpu.get(), in.state), out(gpu.get(), in.out);
  const auto f = [](const kt::DeviceBuffer& buf, int64_t offset) { return static_cast<float*>(buf.get()) + offset; };
  Shape first = s;
  first.T = 130;
  KT_OK(delta(gpu.get(), first, TOPS_DEVICE_CUDA, q.get(), k.get(), v.get(), g.get(), b.get(), st.get(), out.get(),
              TOPS_DELTA_RULE_CHUNKED));
  Shape one = s;
  one.T = 1;
  for (int64_t t = 130; t < s.T; ++t)
    KT_OK(delta(gpu.get(), one, TOPS_DEVICE_CUDA, f(q, t * s.Hk * s.dk), f(k, t * s.Hk * s.dk), f(v, t * s.Hv * s.dv),
                f(g, t * s.Hv), f(b, t * s.Hv), st.get(), f(out, t * s.Hv * s.dv), TOPS_DELTA_RULE_RECURRENT));
  kt::require_close(out.download<float>(), out_whole.download<float>(), 1e-4, 1e-4, "out");
  kt::require_close(st.download<float>(), st_whole.download<float>(), 1e-4, 1e-4, "state");
}

TEST_CASE("cuda: causal conv1d, l2norm and gates match the CPU backend", "[cuda][deltanet]") {
  KT_REQUIRE_CUDA(gpu);
  auto ctx = kt::cpu_context_f32();
  const int64_t T = GENERATE(1, 300), C = 8192, K = 4;
  CAPTURE(T);
  const auto x = kt::nonzero(size_t(T * C), 0.1f, 2.0f, 401);
  const kt::Weights w = kt::make_weights(TOPS_BF16, kt::nonzero(size_t(C * K), 0.1f, 1.0f, 402));
  const auto state0 = kt::nonzero(size_t(C * (K - 1)), 0.1f, 1.0f, 403);
  std::vector<float> cpu_state = state0, cpu_y(size_t(T * C), kNaN);
  {
    const tops_tensor xt = kt::view(x.data(), TOPS_F32, {T, C}), wt = kt::view(w.data(), TOPS_BF16, {C, K});
    tops_tensor st = kt::view(cpu_state.data(), TOPS_F32, {C, K - 1}), yt = kt::view(cpu_y.data(), TOPS_F32, {T, C});
    KT_OK(tops_causal_conv1d(ctx.get(), &xt, &wt, &st, TOPS_CONV1D_SILU, &yt));
  }
  kt::DeviceBuffer dx(gpu.get(), x), dw(gpu.get(), w.data(), w.bytes()), ds(gpu.get(), state0),
      dy(gpu.get(), std::vector<float>(size_t(T * C), kNaN));
  const tops_tensor xt = kt::view(dx.get(), TOPS_F32, {T, C}, TOPS_DEVICE_CUDA);
  const tops_tensor wt = kt::view(dw.get(), TOPS_BF16, {C, K}, TOPS_DEVICE_CUDA);
  tops_tensor st = kt::view(ds.get(), TOPS_F32, {C, K - 1}, TOPS_DEVICE_CUDA);
  tops_tensor yt = kt::view(dy.get(), TOPS_F32, {T, C}, TOPS_DEVICE_CUDA);
  const double ms = kt::time_ms(gpu.get(), [&] { KT_OK(tops_causal_conv1d(gpu.get(), &xt, &wt, &st, TOPS_CONV1D_SILU, &yt)); });
  const auto gy = dy.download<float>();
  kt::require_close(gy, cpu_y, 1e-5, 1e-5, "conv y");
  REQUIRE(ds.download<float>() == cpu_state);
  kt::report_gpu_check("causal_conv1d", "T=" + std::to_string(T) + " C=8192 K=4 bf16", kt::max_rel_error(gy, cpu_y), ms);

  // l2norm over [T * 16, 128] rows, gates over [T, 32].
  const auto lx = kt::nonzero(size_t(T * 16 * 128), 0.1f, 2.0f, 404);
  std::vector<float> cpu_l(lx.size(), kNaN);
  const tops_tensor lxt = kt::view(lx.data(), TOPS_F32, {T, 16, 128});
  tops_tensor lyt = kt::view(cpu_l.data(), TOPS_F32, {T, 16, 128});
  KT_OK(tops_l2norm(ctx.get(), &lxt, 1e-6f, &lyt));
  kt::DeviceBuffer dlx(gpu.get(), lx), dly(gpu.get(), std::vector<float>(lx.size(), kNaN));
  const tops_tensor glx = kt::view(dlx.get(), TOPS_F32, {T, 16, 128}, TOPS_DEVICE_CUDA);
  tops_tensor gly = kt::view(dly.get(), TOPS_F32, {T, 16, 128}, TOPS_DEVICE_CUDA);
  KT_OK(tops_l2norm(gpu.get(), &glx, 1e-6f, &gly));
  kt::require_close(dly.download<float>(), cpu_l, 1e-6, 1e-5, "l2norm");

  const int64_t H = 32;
  const auto a = kt::nonzero(size_t(T * H), 0.1f, 4.0f, 405), b = kt::nonzero(size_t(T * H), 0.1f, 4.0f, 406);
  const auto a_log = kt::uniform(size_t(H), 0.0f, 2.7f, 407), dt_bias = kt::nonzero(size_t(H), 0.1f, 1.0f, 408);
  std::vector<float> cg(size_t(T * H), kNaN), cb(size_t(T * H), kNaN);
  {
    const tops_tensor at = kt::view(a.data(), TOPS_F32, {T, H}), bt = kt::view(b.data(), TOPS_F32, {T, H});
    const tops_tensor lt = kt::view(a_log.data(), TOPS_F32, {H}), dt = kt::view(dt_bias.data(), TOPS_F32, {H});
    tops_tensor gt = kt::view(cg.data(), TOPS_F32, {T, H}), btt = kt::view(cb.data(), TOPS_F32, {T, H});
    KT_OK(tops_deltanet_gates(ctx.get(), &at, &bt, &lt, &dt, &gt, &btt));
  }
  kt::DeviceBuffer da(gpu.get(), a), db(gpu.get(), b), dl(gpu.get(), a_log), ddt(gpu.get(), dt_bias),
      dg(gpu.get(), cg), dbeta(gpu.get(), cb);
  const tops_tensor at = kt::view(da.get(), TOPS_F32, {T, H}, TOPS_DEVICE_CUDA);
  const tops_tensor bt = kt::view(db.get(), TOPS_F32, {T, H}, TOPS_DEVICE_CUDA);
  const tops_tensor lt = kt::view(dl.get(), TOPS_F32, {H}, TOPS_DEVICE_CUDA);
  const tops_tensor dtt = kt::view(ddt.get(), TOPS_F32, {H}, TOPS_DEVICE_CUDA);
  tops_tensor gt = kt::view(dg.get(), TOPS_F32, {T, H}, TOPS_DEVICE_CUDA);
  tops_tensor btt = kt::view(dbeta.get(), TOPS_F32, {T, H}, TOPS_DEVICE_CUDA);
  KT_OK(tops_deltanet_gates(gpu.get(), &at, &bt, &lt, &dtt, &gt, &btt));
  kt::require_close(dg.download<float>(), cg, 1e-5, 1e-5, "g");
  kt::require_close(dbeta.download<float>(), cb, 1e-6, 1e-5, "beta");
}

TEST_CASE("cuda: delta rule errors are named, not crashes", "[cuda][deltanet]") {
  KT_REQUIRE_CUDA(gpu);
  const Shape s{2, 1, 1, 300, 4};  // dk above the CUDA kernel's 256
  const Io in = make_io(s, 9);
  kt::DeviceBuffer q(gpu.get(), in.q), k(gpu.get(), in.k), v(gpu.get(), in.v), g(gpu.get(), in.g),
      b(gpu.get(), in.beta), st(gpu.get(), in.state), out(gpu.get(), in.out);
  CHECK(delta(gpu.get(), s, TOPS_DEVICE_CUDA, q.get(), k.get(), v.get(), g.get(), b.get(), st.get(), out.get(),
              TOPS_DELTA_RULE_RECURRENT) == TOPS_ERR_UNSUPPORTED);
  // Host tensors on a CUDA context.
  Io host = make_io({2, 1, 1, 4, 4}, 10);
  CHECK(delta(gpu.get(), {2, 1, 1, 4, 4}, TOPS_DEVICE_CPU, host.q.data(), host.k.data(), host.v.data(), host.g.data(),
              host.beta.data(), host.state.data(), host.out.data(), TOPS_DELTA_RULE_RECURRENT) ==
        TOPS_ERR_DEVICE_MISMATCH);
}
