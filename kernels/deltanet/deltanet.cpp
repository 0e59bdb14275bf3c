// C entry points of the Gated DeltaNet ops (deltanet.h): validate the descriptors, flatten them
// into deltanet_impl.h's Args, and dispatch to the CPU backend, the double-precision reference
// (TOPS_CPU_PATH_REFERENCE) or the registered CUDA kernel.
#include <cmath>
#include <string>
#include <vector>

#include "core/dispatch.h"
#include "core/dtype_load.h"
#include "core/guard.h"
#include "core/validate.h"
#include "deltanet/deltanet_impl.h"
#include "deltanet/deltanet_ref.h"
#include "tensor_ops/deltanet.h"

namespace tops::deltanet {
namespace {

constexpr std::initializer_list<tops_dtype> kF32 = {TOPS_F32};
constexpr std::initializer_list<tops_dtype> kWeightTypes = {TOPS_F32, TOPS_BF16, TOPS_F16};

bool overlaps(const tops_tensor& a, const tops_tensor& b) {
  auto extent = [](const tops_tensor& t) {
    int64_t last = 0;
    for (int32_t d = 0; d < t.ndim; ++d) {
      if (t.shape[d] == 0) return std::pair<const char*, const char*>{nullptr, nullptr};
      last += (t.shape[d] - 1) * t.strides[d];
    }
    const char* begin = static_cast<const char*>(t.data);
    return std::pair<const char*, const char*>{begin, begin + (last + 1) * int64_t(tops_dtype_size(t.dtype))};
  };
  const auto ea = extent(a), eb = extent(b);
  if (ea.first == nullptr || eb.first == nullptr) return false;
  return ea.first < eb.second && eb.first < ea.second;
}

void require_no_overlap(const tops_tensor& a, const char* a_name, const tops_tensor& b, const char* b_name) {
  if (overlaps(a, b))
    fail(TOPS_ERR_INVALID_ARG, std::string(a_name) + " and " + b_name + " overlap in memory");
}

// ---- reference adapters (TOPS_CPU_PATH_REFERENCE): gather to dense float, run in double ----

std::vector<float> dense_rows(const float* p, int64_t rows, int64_t row_stride, int64_t cols) {
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) out[r * cols + c] = p[r * row_stride + c];
  return out;
}

void conv1d_reference(tops_context&, const Conv1dArgs& a) {
  const int64_t past = a.kernel - 1;
  const auto x = dense_rows(a.x, a.n_tokens, a.x_stride, a.channels);
  std::vector<float> w(static_cast<size_t>(a.channels * a.kernel));
  for (size_t i = 0; i < w.size(); ++i) {
    w[i] = load_f32(a.weight, a.weight_dtype, static_cast<int64_t>(i));
  }
  std::vector<double> state(static_cast<size_t>(a.channels * past), 0.0);
  if (a.state)
    for (size_t i = 0; i < state.size(); ++i) state[i] = a.state[i];
  std::vector<double> y(static_cast<size_t>(a.n_tokens * a.channels));
  ref::causal_conv1d(x.data(), w.data(), state.data(), a.n_tokens, a.channels, a.kernel, a.silu, y.data());
  for (int64_t t = 0; t < a.n_tokens; ++t)
    for (int64_t c = 0; c < a.channels; ++c) a.y[t * a.y_stride + c] = static_cast<float>(y[t * a.channels + c]);
  if (a.state)
    for (size_t i = 0; i < state.size(); ++i) a.state[i] = static_cast<float>(state[i]);
}

void delta_rule_reference(tops_context&, const DeltaRuleArgs& a) {
  const int64_t T = a.n_tokens, Hk = a.k_heads, Hv = a.v_heads, dk = a.k_dim, dv = a.v_dim;
  std::vector<float> q(static_cast<size_t>(T * Hk * dk)), k(q.size()), v(static_cast<size_t>(T * Hv * dv));
  std::vector<float> g(static_cast<size_t>(T * Hv)), beta(g.size());
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t h = 0; h < Hk; ++h)
      for (int64_t i = 0; i < dk; ++i) {
        q[(t * Hk + h) * dk + i] = a.q[t * a.q_st + h * a.q_sh + i];
        k[(t * Hk + h) * dk + i] = a.k[t * a.k_st + h * a.k_sh + i];
      }
    for (int64_t h = 0; h < Hv; ++h) {
      for (int64_t i = 0; i < dv; ++i) v[(t * Hv + h) * dv + i] = a.v[t * a.v_st + h * a.v_sh + i];
      g[t * Hv + h] = a.g[t * a.g_st + h];
      beta[t * Hv + h] = a.beta[t * a.beta_st + h];
    }
  }
  std::vector<double> state(a.state, a.state + Hv * dk * dv), out(static_cast<size_t>(T * Hv * dv));
  const ref::DeltaRuleShape shape{T, Hk, Hv, dk, dv};
  if (a.chunked) {
    ref::gated_delta_rule_chunked(q.data(), k.data(), v.data(), g.data(), beta.data(), shape, a.l2norm_qk, a.chunk,
                                  state.data(), out.data());
  } else {
    ref::gated_delta_rule_recurrent(q.data(), k.data(), v.data(), g.data(), beta.data(), shape, a.l2norm_qk,
                                    state.data(), out.data());
  }
  for (size_t i = 0; i < state.size(); ++i) a.state[i] = static_cast<float>(state[i]);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < Hv; ++h)
      for (int64_t i = 0; i < dv; ++i) a.out[t * a.out_st + h * a.out_sh + i] = static_cast<float>(out[(t * Hv + h) * dv + i]);
}

}  // namespace
}  // namespace tops::deltanet

using namespace tops;
using namespace tops::deltanet;

extern "C" {

TOPS_API tops_status tops_causal_conv1d(tops_context* ctx_in, const tops_tensor* x_in, const tops_tensor* weight_in,
                                        tops_tensor* state_in, uint32_t flags, tops_tensor* y_in) {
  return guard("tops_causal_conv1d", [&] {
    tops_context& ctx = require_context(ctx_in);
    const tops_tensor& x = require_tensor(ctx, x_in, "x", kF32);
    const tops_tensor& w = require_tensor(ctx, weight_in, "weight", kWeightTypes);
    const tops_tensor* state = optional_tensor(ctx, state_in, "state", kF32);
    const tops_tensor& y = require_tensor(ctx, y_in, "y", kF32);
    if (flags & ~uint32_t{TOPS_CONV1D_SILU}) fail(TOPS_ERR_INVALID_ARG, "unknown flags " + std::to_string(flags));
    require_ndim(x, "x", 2);
    require_ndim(w, "weight", 2);
    const int64_t T = x.shape[0], C = x.shape[1], K = w.shape[1];
    require_dim(w, "weight", 0, C, "x's channel count");
    if (K < 1) fail(TOPS_ERR_SHAPE_MISMATCH, "weight " + shape_string(w) + ": kernel width must be >= 1");
    require_contiguous(w, "weight");
    require_same_shape(x, "x", y, "y");
    require_inner_contiguous(x, "x");
    require_inner_contiguous(y, "y");
    require_no_overlap(x, "x", y, "y");
    if (state) {
      require_ndim(*state, "state", 2);
      require_dim(*state, "state", 0, C, "x's channel count");
      require_dim(*state, "state", 1, K - 1, "kernel width - 1");
      require_contiguous(*state, "state");
      require_no_overlap(*state, "state", y, "y");
    }
    Conv1dArgs a{};
    a.x = static_cast<const float*>(x.data);
    a.x_stride = x.strides[0];
    a.weight = w.data;
    a.weight_dtype = w.dtype;
    a.state = state ? static_cast<float*>(state->data) : nullptr;
    a.y = static_cast<float*>(y.data);
    a.y_stride = y.strides[0];
    a.n_tokens = T;
    a.channels = C;
    a.kernel = K;
    a.silu = (flags & TOPS_CONV1D_SILU) != 0;
    if (T == 0 || C == 0) return;
    dispatch<Conv1dOp>(ctx, a, [](tops_context& c, const Conv1dArgs& args) {
      c.cpu_path == TOPS_CPU_PATH_REFERENCE ? conv1d_reference(c, args) : conv1d_cpu(c, args);
    });
  });
}

TOPS_API tops_status tops_l2norm(tops_context* ctx_in, const tops_tensor* x_in, float eps, tops_tensor* y_in) {
  return guard("tops_l2norm", [&] {
    tops_context& ctx = require_context(ctx_in);
    const tops_tensor& x = require_tensor(ctx, x_in, "x", kF32);
    const tops_tensor& y = require_tensor(ctx, y_in, "y", kF32);
    require_min_ndim(x, "x", 1);
    require_same_shape(x, "x", y, "y");
    require_inner_contiguous(x, "x");
    require_inner_contiguous(y, "y");
    if (!(eps >= 0.0f)) fail(TOPS_ERR_INVALID_ARG, "eps must be >= 0, got " + std::to_string(eps));
    const Rows xr = flatten_rows(x, "x"), yr = flatten_rows(y, "y");
    if (x.data != y.data) require_no_overlap(x, "x", y, "y");
    L2NormArgs a{static_cast<const float*>(x.data), xr.row_stride, static_cast<float*>(y.data), yr.row_stride,
                 xr.rows, xr.cols, eps};
    if (a.rows == 0 || a.dim == 0) return;
    dispatch<L2NormOp>(ctx, a, l2norm_cpu);
  });
}

TOPS_API tops_status tops_deltanet_gates(tops_context* ctx_in, const tops_tensor* a_in, const tops_tensor* b_in,
                                         const tops_tensor* a_log_in, const tops_tensor* dt_bias_in, tops_tensor* g_in,
                                         tops_tensor* beta_in) {
  return guard("tops_deltanet_gates", [&] {
    tops_context& ctx = require_context(ctx_in);
    const tops_tensor& av = require_tensor(ctx, a_in, "a", kF32);
    const tops_tensor& bv = require_tensor(ctx, b_in, "b", kF32);
    const tops_tensor& a_log = require_tensor(ctx, a_log_in, "A_log", kWeightTypes);
    const tops_tensor& dt_bias = require_tensor(ctx, dt_bias_in, "dt_bias", kWeightTypes);
    const tops_tensor& g = require_tensor(ctx, g_in, "g", kF32);
    const tops_tensor& beta = require_tensor(ctx, beta_in, "beta", kF32);
    require_ndim(av, "a", 2);
    const int64_t T = av.shape[0], H = av.shape[1];
    require_same_shape(av, "a", bv, "b");
    require_same_shape(av, "a", g, "g");
    require_same_shape(av, "a", beta, "beta");
    require_ndim(a_log, "A_log", 1);
    require_dim(a_log, "A_log", 0, H, "a's head count");
    require_ndim(dt_bias, "dt_bias", 1);
    require_dim(dt_bias, "dt_bias", 0, H, "a's head count");
    require_contiguous(a_log, "A_log");
    require_contiguous(dt_bias, "dt_bias");
    for (const auto* t : {&av, &bv, &g, &beta}) require_inner_contiguous(*t, "a/b/g/beta");
    if (g.data != av.data) require_no_overlap(av, "a", g, "g");
    if (beta.data != bv.data) require_no_overlap(bv, "b", beta, "beta");
    require_no_overlap(g, "g", beta, "beta");
    GatesArgs a{};
    a.a = static_cast<const float*>(av.data);
    a.a_stride = av.strides[0];
    a.b = static_cast<const float*>(bv.data);
    a.b_stride = bv.strides[0];
    a.a_log = a_log.data;
    a.a_log_dtype = a_log.dtype;
    a.dt_bias = dt_bias.data;
    a.dt_bias_dtype = dt_bias.dtype;
    a.g = static_cast<float*>(g.data);
    a.g_stride = g.strides[0];
    a.beta = static_cast<float*>(beta.data);
    a.beta_stride = beta.strides[0];
    a.n_tokens = T;
    a.v_heads = H;
    if (T == 0 || H == 0) return;
    dispatch<GatesOp>(ctx, a, gates_cpu);
  });
}

TOPS_API void tops_delta_rule_params_init(tops_delta_rule_params* params) {
  if (params == nullptr) return;
  *params = tops_delta_rule_params{};
  params->struct_size = sizeof(tops_delta_rule_params);
  params->mode = TOPS_DELTA_RULE_AUTO;
  params->chunk_size = 64;
  params->l2norm_qk = 1;
}

TOPS_API tops_status tops_gated_delta_rule(tops_context* ctx_in, const tops_tensor* q_in, const tops_tensor* k_in,
                                           const tops_tensor* v_in, const tops_tensor* g_in,
                                           const tops_tensor* beta_in, const tops_delta_rule_params* params,
                                           tops_tensor* state_in, tops_tensor* out_in) {
  return guard("tops_gated_delta_rule", [&] {
    tops_context& ctx = require_context(ctx_in);
    const tops_tensor& q = require_tensor(ctx, q_in, "q", kF32);
    const tops_tensor& k = require_tensor(ctx, k_in, "k", kF32);
    const tops_tensor& v = require_tensor(ctx, v_in, "v", kF32);
    const tops_tensor& g = require_tensor(ctx, g_in, "g", kF32);
    const tops_tensor& beta = require_tensor(ctx, beta_in, "beta", kF32);
    const tops_tensor& state = require_tensor(ctx, state_in, "state", kF32);
    const tops_tensor& out = require_tensor(ctx, out_in, "out", kF32);
    if (params == nullptr) fail(TOPS_ERR_NULL_POINTER, "params is NULL");
    if (params->struct_size < sizeof(tops_delta_rule_params))
      fail(TOPS_ERR_INVALID_ARG, "params->struct_size " + std::to_string(params->struct_size) +
                                     " is too small (call tops_delta_rule_params_init)");
    if (params->mode < TOPS_DELTA_RULE_AUTO || params->mode > TOPS_DELTA_RULE_CHUNKED)
      fail(TOPS_ERR_INVALID_ARG, "unknown mode " + std::to_string(params->mode));
    if (params->chunk_size < 1 || params->chunk_size > 64)
      fail(TOPS_ERR_INVALID_ARG, "chunk_size must be in 1..64, got " + std::to_string(params->chunk_size));
    require_ndim(q, "q", 3);
    require_ndim(k, "k", 3);
    require_ndim(v, "v", 3);
    require_ndim(g, "g", 2);
    require_ndim(beta, "beta", 2);
    require_ndim(state, "state", 3);
    require_same_shape(q, "q", k, "k");
    const int64_t T = q.shape[0], Hk = q.shape[1], dk = q.shape[2];
    const int64_t Hv = v.shape[1], dv = v.shape[2];
    require_dim(v, "v", 0, T, "q's token count");
    if (Hk < 1 || Hv % Hk != 0)
      fail(TOPS_ERR_SHAPE_MISMATCH, "v has " + std::to_string(Hv) + " heads, not a multiple of q/k's " + std::to_string(Hk));
    require_dim(g, "g", 0, T, "q's token count");
    require_dim(g, "g", 1, Hv, "v's head count");
    require_same_shape(g, "g", beta, "beta");
    require_dim(state, "state", 0, Hv, "v's head count");
    require_dim(state, "state", 1, dk, "q's head dim");
    require_dim(state, "state", 2, dv, "v's head dim");
    require_contiguous(state, "state");
    require_same_shape(v, "v", out, "out");
    for (const auto& [t, n] : {std::pair{&q, "q"}, {&k, "k"}, {&v, "v"}, {&g, "g"}, {&beta, "beta"}, {&out, "out"}})
      require_inner_contiguous(*t, n);
    for (const auto& [t, n] : {std::pair{&q, "q"}, {&k, "k"}, {&v, "v"}, {&g, "g"}, {&beta, "beta"}, {&state, "state"}})
      require_no_overlap(*t, n, out, "out");
    DeltaRuleArgs a{};
    a.q = static_cast<const float*>(q.data);
    a.q_st = q.strides[0];
    a.q_sh = q.strides[1];
    a.k = static_cast<const float*>(k.data);
    a.k_st = k.strides[0];
    a.k_sh = k.strides[1];
    a.v = static_cast<const float*>(v.data);
    a.v_st = v.strides[0];
    a.v_sh = v.strides[1];
    a.g = static_cast<const float*>(g.data);
    a.g_st = g.strides[0];
    a.beta = static_cast<const float*>(beta.data);
    a.beta_st = beta.strides[0];
    a.state = static_cast<float*>(state.data);
    a.out = static_cast<float*>(out.data);
    a.out_st = out.strides[0];
    a.out_sh = out.strides[1];
    a.n_tokens = T;
    a.k_heads = Hk;
    a.v_heads = Hv;
    a.k_dim = dk;
    a.v_dim = dv;
    a.l2norm_qk = params->l2norm_qk != 0;
    a.chunk = params->chunk_size;
    // AUTO: on the CPU the chunked form does about the same arithmetic per token as the recurrent
    // one (~4 dk·dv) without GEMM-grade blocking, and measured 2x slower at T = 256 (Qwen3-Next
    // heads), so the CPU steps token by token (state stays in L2). On CUDA the chunked form
    // parallelises the intra-chunk work over all chunks; below ~16 tokens its set-up dominates.
    a.chunked = params->mode == TOPS_DELTA_RULE_CHUNKED ||
                (params->mode == TOPS_DELTA_RULE_AUTO && ctx.device == TOPS_DEVICE_CUDA && T > 16);
    if (T == 0 || Hv == 0 || dk == 0 || dv == 0) return;
    dispatch<DeltaRuleOp>(ctx, a, [](tops_context& c, const DeltaRuleArgs& args) {
      c.cpu_path == TOPS_CPU_PATH_REFERENCE ? delta_rule_reference(c, args) : delta_rule_cpu(c, args);
    });
  });
}

}  // extern "C"
