// C entry points of the MoE ops (moe.h): validate the descriptors, flatten them into
// moe_impl.h's Args, and dispatch to the CPU backend (which runs the double-precision reference
// on TOPS_CPU_PATH_REFERENCE) or the registered CUDA kernel. Also builds and frees the
// tops_moe_experts weight tables.
#include <cmath>
#include <memory>
#include <string>

#include "core/dispatch.h"
#include "core/guard.h"
#include "core/validate.h"
#include "moe/moe_impl.h"
#include "tensor_ops/moe.h"

namespace tops::moe {
namespace {

constexpr std::initializer_list<tops_dtype> kF32 = {TOPS_F32};
constexpr std::initializer_list<tops_dtype> kI32 = {TOPS_I32};
constexpr std::initializer_list<tops_dtype> kWeightTypes = {TOPS_F32, TOPS_BF16, TOPS_F16};

bool overlaps(const tops_tensor& a, const tops_tensor& b) {
  auto extent = [](const tops_tensor& t, const char*& begin, const char*& end) {
    int64_t last = 0;
    for (int32_t d = 0; d < t.ndim; ++d) {
      if (t.shape[d] == 0) return false;
      last += (t.shape[d] - 1) * t.strides[d];
    }
    begin = static_cast<const char*>(t.data);
    end = begin + (last + 1) * static_cast<int64_t>(tops_dtype_size(t.dtype));
    return true;
  };
  const char *a0, *a1, *b0, *b1;
  if (!extent(a, a0, a1) || !extent(b, b0, b1)) return false;
  return a0 < b1 && b0 < a1;
}

void require_no_overlap(const tops_tensor& a, const char* a_name, const tops_tensor& b, const char* b_name) {
  if (overlaps(a, b)) fail(TOPS_ERR_INVALID_ARG, std::string(a_name) + " and " + b_name + " overlap in memory");
}

std::string expert_name(const char* what, int32_t e) { return std::string(what) + "[" + std::to_string(e) + "]"; }

// Checks one weight matrix of the table: dtype, device, shape, contiguity.
void check_weight(const tops_context& ctx, const tops_tensor* t, const std::string& name, int64_t rows, int64_t cols,
                  tops_dtype* dtype) {
  const tops_tensor& w = require_tensor(ctx, t, name.c_str(), kWeightTypes);
  require_ndim(w, name.c_str(), 2);
  require_dim(w, name.c_str(), 0, rows, rows == cols ? "rows" : "output features");
  require_dim(w, name.c_str(), 1, cols, "input features");
  require_contiguous(w, name.c_str());
  if (*dtype < 0) *dtype = w.dtype;
  if (w.dtype != *dtype)
    fail(TOPS_ERR_DTYPE, name + " has dtype " + tops_dtype_name(w.dtype) + " but the other expert weights are " +
                             tops_dtype_name(*dtype));
}

}  // namespace
}  // namespace tops::moe

using namespace tops;
using namespace tops::moe;

extern "C" {

TOPS_API void tops_moe_router_params_init(tops_moe_router_params* params) {
  if (params == nullptr) return;
  *params = tops_moe_router_params{};
  params->struct_size = sizeof(tops_moe_router_params);
  params->scoring = TOPS_MOE_SCORING_SOFTMAX;
  params->top_k = 1;
  params->normalize = 0;
  params->n_group = 1;
  params->topk_group = 1;
  params->routed_scaling_factor = 1.0f;
}

TOPS_API tops_status tops_moe_route(tops_context* ctx_in, const tops_tensor* logits_in,
                                    const tops_tensor* bias_in, const tops_moe_router_params* params,
                                    tops_tensor* ids_in, tops_tensor* weights_in) {
  return guard("tops_moe_route", [&] {
    tops_context& ctx = require_context(ctx_in);
    const tops_tensor& logits = require_tensor(ctx, logits_in, "logits", kF32);
    const tops_tensor* bias = optional_tensor(ctx, bias_in, "selection_bias", kF32);
    const tops_tensor& ids = require_tensor(ctx, ids_in, "ids", kI32);
    const tops_tensor& weights = require_tensor(ctx, weights_in, "weights", kF32);
    if (params == nullptr) fail(TOPS_ERR_NULL_POINTER, "params is NULL");
    if (params->struct_size < sizeof(tops_moe_router_params))
      fail(TOPS_ERR_INVALID_ARG, "params->struct_size " + std::to_string(params->struct_size) +
                                     " is too small (call tops_moe_router_params_init)");
    require_ndim(logits, "logits", 2);
    require_inner_contiguous(logits, "logits");
    const int64_t T = logits.shape[0], E = logits.shape[1];
    const int32_t k = params->top_k;
    if (params->scoring != TOPS_MOE_SCORING_SOFTMAX && params->scoring != TOPS_MOE_SCORING_SIGMOID)
      fail(TOPS_ERR_INVALID_ARG, "unknown scoring " + std::to_string(params->scoring));
    if (k < 1 || k > E)
      fail(TOPS_ERR_INVALID_ARG, "top_k " + std::to_string(k) + " outside 1.." + std::to_string(E) + " (experts)");
    if (!std::isfinite(params->routed_scaling_factor))
      fail(TOPS_ERR_INVALID_ARG, "routed_scaling_factor is not finite");
    const bool sigmoid = params->scoring == TOPS_MOE_SCORING_SIGMOID;
    if (!sigmoid && bias) fail(TOPS_ERR_INVALID_ARG, "selection_bias is only used with TOPS_MOE_SCORING_SIGMOID");
    int32_t n_group = 1, topk_group = 1;
    if (sigmoid) {
      n_group = params->n_group;
      topk_group = params->topk_group;
      if (n_group < 1 || E % n_group != 0)
        fail(TOPS_ERR_INVALID_ARG, "n_group " + std::to_string(n_group) + " does not divide " + std::to_string(E) + " experts");
      if (n_group > 1 && E / n_group < 2)
        fail(TOPS_ERR_INVALID_ARG, "group-limited routing needs >= 2 experts per group (a group scores its top 2)");
      if (topk_group < 1 || topk_group > n_group)
        fail(TOPS_ERR_INVALID_ARG, "topk_group " + std::to_string(topk_group) + " outside 1.." + std::to_string(n_group));
      if (int64_t{topk_group} * (E / n_group) < k)
        fail(TOPS_ERR_INVALID_ARG, "top_k " + std::to_string(k) + " exceeds the " + std::to_string(topk_group * (E / n_group)) +
                                       " experts in the kept groups");
    }
    if (bias) {
      require_ndim(*bias, "selection_bias", 1);
      require_dim(*bias, "selection_bias", 0, E, "logits' expert count");
      require_contiguous(*bias, "selection_bias");
    }
    require_ndim(ids, "ids", 2);
    require_dim(ids, "ids", 0, T, "logits' token count");
    require_dim(ids, "ids", 1, k, "top_k");
    require_contiguous(ids, "ids");
    require_same_shape(ids, "ids", weights, "weights");
    require_contiguous(weights, "weights");
    require_no_overlap(ids, "ids", weights, "weights");
    require_no_overlap(logits, "logits", ids, "ids");
    require_no_overlap(logits, "logits", weights, "weights");
    RouteArgs a{};
    a.logits = static_cast<const float*>(logits.data);
    a.logits_stride = logits.strides[0];
    a.bias = bias ? static_cast<const float*>(bias->data) : nullptr;
    a.n_tokens = T;
    a.n_experts = E;
    a.top_k = k;
    a.sigmoid = sigmoid;
    a.normalize = params->normalize != 0;
    a.n_group = n_group;
    a.topk_group = topk_group;
    a.scaling = params->routed_scaling_factor;
    a.ids = static_cast<int32_t*>(ids.data);
    a.weights = static_cast<float*>(weights.data);
    if (T == 0) return;
    dispatch<RouteOp>(ctx, a, route_cpu);
  });
}

TOPS_API tops_status tops_moe_dispatch(tops_context* ctx_in, const tops_tensor* ids_in, int32_t n_experts,
                                       tops_tensor* offsets_in, tops_tensor* order_in) {
  return guard("tops_moe_dispatch", [&] {
    tops_context& ctx = require_context(ctx_in);
    const tops_tensor& ids = require_tensor(ctx, ids_in, "ids", kI32);
    const tops_tensor& offsets = require_tensor(ctx, offsets_in, "offsets", kI32);
    const tops_tensor& order = require_tensor(ctx, order_in, "order", kI32);
    if (n_experts < 1) fail(TOPS_ERR_INVALID_ARG, "n_experts must be >= 1, got " + std::to_string(n_experts));
    require_ndim(ids, "ids", 2);
    require_contiguous(ids, "ids");
    const int64_t P = ids.shape[0] * ids.shape[1];
    if (P > INT32_MAX) fail(TOPS_ERR_INVALID_ARG, "more than 2^31 - 1 (token, slot) pairs");
    require_ndim(offsets, "offsets", 1);
    require_dim(offsets, "offsets", 0, int64_t{n_experts} + 1, "n_experts + 1");
    require_contiguous(offsets, "offsets");
    require_ndim(order, "order", 1);
    require_dim(order, "order", 0, P, "T * k pairs of ids");
    require_contiguous(order, "order");
    require_no_overlap(ids, "ids", offsets, "offsets");
    require_no_overlap(ids, "ids", order, "order");
    require_no_overlap(offsets, "offsets", order, "order");
    DispatchArgs a{static_cast<const int32_t*>(ids.data), P, n_experts, static_cast<int32_t*>(offsets.data),
                   static_cast<int32_t*>(order.data)};
    dispatch<DispatchOp>(ctx, a, dispatch_cpu);
  });
}

TOPS_API void tops_moe_experts_desc_init(tops_moe_experts_desc* desc) {
  if (desc == nullptr) return;
  *desc = tops_moe_experts_desc{};
  desc->struct_size = sizeof(tops_moe_experts_desc);
}

TOPS_API tops_status tops_moe_experts_create(tops_context* ctx_in, const tops_moe_experts_desc* desc,
                                             tops_moe_experts** out) {
  return guard("tops_moe_experts_create", [&] {
    tops_context& ctx = require_context(ctx_in);
    if (desc == nullptr) fail(TOPS_ERR_NULL_POINTER, "desc is NULL");
    if (out == nullptr) fail(TOPS_ERR_NULL_POINTER, "out is NULL");
    if (desc->struct_size < sizeof(tops_moe_experts_desc))
      fail(TOPS_ERR_INVALID_ARG, "desc->struct_size " + std::to_string(desc->struct_size) +
                                     " is too small (call tops_moe_experts_desc_init)");
    const int32_t E = desc->n_experts;
    const int64_t D = desc->hidden, I = desc->inter;
    if (E < 1 || D < 1 || I < 1)
      fail(TOPS_ERR_INVALID_ARG, "n_experts, hidden and inter must be >= 1 (got " + std::to_string(E) + ", " +
                                     std::to_string(D) + ", " + std::to_string(I) + ")");
    const bool per_expert = desc->gate || desc->up || desc->down;
    const bool fused = desc->gate_up_fused || desc->down_fused;
    if (per_expert == fused)
      fail(TOPS_ERR_INVALID_ARG, per_expert ? "give either the per-expert arrays or the fused tensors, not both"
                                            : "no expert weights given (gate/up/down or gate_up_fused/down_fused)");
    auto table = std::make_unique<tops_moe_experts>();
    table->device = ctx.device;
    table->device_index = ctx.device_index;
    table->n_experts = E;
    table->hidden = D;
    table->inter = I;
    table->gate.resize(static_cast<size_t>(E));
    table->up.resize(static_cast<size_t>(E));
    table->down.resize(static_cast<size_t>(E));
    tops_dtype dtype = -1;
    if (per_expert) {
      if (!desc->gate || !desc->up || !desc->down)
        fail(TOPS_ERR_NULL_POINTER, "gate, up and down arrays must all be given");
      for (int32_t e = 0; e < E; ++e) {
        check_weight(ctx, &desc->gate[e], expert_name("gate", e), I, D, &dtype);
        check_weight(ctx, &desc->up[e], expert_name("up", e), I, D, &dtype);
        check_weight(ctx, &desc->down[e], expert_name("down", e), D, I, &dtype);
        table->gate[e] = desc->gate[e].data;
        table->up[e] = desc->up[e].data;
        table->down[e] = desc->down[e].data;
      }
      table->gate_up_adjacent = false;
    } else {
      if (!desc->gate_up_fused || !desc->down_fused)
        fail(TOPS_ERR_NULL_POINTER, "gate_up_fused and down_fused must both be given");
      const tops_tensor& gu = require_tensor(ctx, desc->gate_up_fused, "gate_up_fused", kWeightTypes);
      const tops_tensor& dn = require_tensor(ctx, desc->down_fused, "down_fused", kWeightTypes);
      require_ndim(gu, "gate_up_fused", 3);
      require_dim(gu, "gate_up_fused", 0, E, "n_experts");
      require_dim(gu, "gate_up_fused", 1, 2 * I, "2 * inter");
      require_dim(gu, "gate_up_fused", 2, D, "hidden");
      require_contiguous(gu, "gate_up_fused");
      require_ndim(dn, "down_fused", 3);
      require_dim(dn, "down_fused", 0, E, "n_experts");
      require_dim(dn, "down_fused", 1, D, "hidden");
      require_dim(dn, "down_fused", 2, I, "inter");
      require_contiguous(dn, "down_fused");
      if (gu.dtype != dn.dtype)
        fail(TOPS_ERR_DTYPE, std::string("gate_up_fused is ") + tops_dtype_name(gu.dtype) + " but down_fused is " +
                                 tops_dtype_name(dn.dtype));
      dtype = gu.dtype;
      const int64_t es = static_cast<int64_t>(tops_dtype_size(dtype));
      for (int32_t e = 0; e < E; ++e) {
        table->gate[e] = static_cast<const char*>(gu.data) + e * 2 * I * D * es;
        table->up[e] = static_cast<const char*>(table->gate[e]) + I * D * es;
        table->down[e] = static_cast<const char*>(dn.data) + e * D * I * es;
      }
      table->gate_up_adjacent = true;
    }
    table->dtype = dtype;
    if (ctx.device == TOPS_DEVICE_CUDA) {
      if (cuda_expert_table == nullptr)
        fail(TOPS_ERR_UNSUPPORTED, "libtensor_ops was built without the CUDA MoE kernels");
      cuda_expert_table->upload(ctx, *table);
    }
    *out = table.release();
  });
}

TOPS_API void tops_moe_experts_release(tops_moe_experts* experts) {
  if (experts == nullptr) return;
  if (experts->device == TOPS_DEVICE_CUDA && cuda_expert_table != nullptr) cuda_expert_table->release(*experts);
  delete experts;
}

TOPS_API tops_status tops_moe_ffn(tops_context* ctx_in, const tops_moe_experts* experts, const tops_tensor* x_in,
                                  const tops_tensor* ids_in, const tops_tensor* weights_in, uint32_t flags,
                                  tops_tensor* y_in) {
  return guard("tops_moe_ffn", [&] {
    tops_context& ctx = require_context(ctx_in);
    if (experts == nullptr) fail(TOPS_ERR_NULL_POINTER, "experts is NULL");
    if (experts->device != ctx.device)
      fail(TOPS_ERR_DEVICE_MISMATCH, "experts was built for another device than the context's");
    const tops_tensor& x = require_tensor(ctx, x_in, "x", kF32);
    const tops_tensor& ids = require_tensor(ctx, ids_in, "ids", kI32);
    const tops_tensor& weights = require_tensor(ctx, weights_in, "weights", kF32);
    const tops_tensor& y = require_tensor(ctx, y_in, "y", kF32);
    if (flags & ~uint32_t{TOPS_MOE_ACCUMULATE}) fail(TOPS_ERR_INVALID_ARG, "unknown flags " + std::to_string(flags));
    require_ndim(x, "x", 2);
    const int64_t T = x.shape[0];
    require_dim(x, "x", 1, experts->hidden, "the experts' hidden size");
    require_inner_contiguous(x, "x");
    require_ndim(ids, "ids", 2);
    require_dim(ids, "ids", 0, T, "x's token count");
    require_contiguous(ids, "ids");
    require_same_shape(ids, "ids", weights, "weights");
    require_contiguous(weights, "weights");
    require_same_shape(x, "x", y, "y");
    require_inner_contiguous(y, "y");
    require_no_overlap(x, "x", y, "y");
    require_no_overlap(ids, "ids", y, "y");
    require_no_overlap(weights, "weights", y, "y");
    FfnArgs a{};
    a.experts = experts;
    a.x = static_cast<const float*>(x.data);
    a.x_stride = x.strides[0];
    a.ids = static_cast<const int32_t*>(ids.data);
    a.weights = static_cast<const float*>(weights.data);
    a.n_tokens = T;
    a.top_k = ids.shape[1];
    a.hidden = experts->hidden;
    a.inter = experts->inter;
    a.y = static_cast<float*>(y.data);
    a.y_stride = y.strides[0];
    a.accumulate = (flags & TOPS_MOE_ACCUMULATE) != 0;
    if (T == 0) return;
    if (T * a.top_k > INT32_MAX) fail(TOPS_ERR_INVALID_ARG, "more than 2^31 - 1 (token, slot) pairs");
    dispatch<FfnOp>(ctx, a, ffn_cpu);
  });
}

}  // extern "C"
