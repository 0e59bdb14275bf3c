// Entry points of the attention family (tensor_ops/attention.h): validation, flattening into
// AttentionArgs / KvAppendArgs, backend dispatch.
#include <cmath>
#include <string>
#include <vector>

#include "attention/attention_impl.h"
#include "core/dispatch.h"
#include "core/guard.h"
#include "core/validate.h"
#include "tensor_ops/attention.h"

namespace tops {
namespace {

void run_attention(tops_context& c, AttentionArgs& a) {
  if (a.nq == 0 || a.hq == 0) return;
  dispatch<AttentionOp>(c, a, [](tops_context& cc, const AttentionArgs& aa) {
    if (cc.cpu_path == TOPS_CPU_PATH_REFERENCE) attention_ref(cc, aa);
    else attention_cpu(cc, aa);
  });
}

// Checks q, gate, out and params; fills the query/output part of `a`. Dk/Dv/Hkv come from K/V.
void check_queries(const tops_context& c, const tops_tensor* q, const tops_tensor* gate,
                   const tops_attention_params* params, const tops_tensor* out, int64_t hkv, int64_t dk, int64_t dv,
                   AttentionArgs& a) {
  if (params == nullptr) fail(TOPS_ERR_NULL_POINTER, "params is NULL");
  const tops_tensor& qt = require_tensor(c, q, "q", {TOPS_F32});
  const tops_tensor& ot = require_tensor(c, out, "out", {TOPS_F32});
  require_ndim(qt, "q", 3);
  require_dim(qt, "q", 2, dk, "the key head dim");
  require_inner_contiguous(qt, "q");
  const int64_t nq = qt.shape[0], hq = qt.shape[1];
  if (hkv <= 0 || hq % hkv != 0)
    fail(TOPS_ERR_SHAPE_MISMATCH, "q has " + std::to_string(hq) + " heads, not a multiple of the " + std::to_string(hkv) +
                                      " kv heads");
  require_ndim(ot, "out", 3);
  require_dim(ot, "out", 0, nq, "q's token count");
  require_dim(ot, "out", 1, hq, "q's head count");
  require_dim(ot, "out", 2, dv, "the value head dim");
  require_inner_contiguous(ot, "out");
  if (const tops_tensor* gt = optional_tensor(c, gate, "gate", {TOPS_F32})) {
    require_same_shape(ot, "out", *gt, "gate");
    require_inner_contiguous(*gt, "gate");
    a.gate = static_cast<const float*>(gt->data);
    a.gate_stride_t = gt->strides[0];
    a.gate_stride_h = gt->strides[1];
  }
  if (!std::isfinite(params->scale)) fail(TOPS_ERR_INVALID_ARG, "scale is not finite");
  a.q = static_cast<const float*>(qt.data);
  a.q_stride_t = qt.strides[0];
  a.q_stride_h = qt.strides[1];
  a.out = static_cast<float*>(ot.data);
  a.out_stride_t = ot.strides[0];
  a.out_stride_h = ot.strides[1];
  a.nq = nq;
  a.hq = hq;
  a.hkv = hkv;
  a.dk = dk;
  a.dv = dv;
  a.scale = params->scale;
  a.causal = params->causal != 0;
}

// A [tokens, H, D] tensor (kv rows); returns it.
const tops_tensor& kv_rows(const tops_context& c, const tops_tensor* t, const char* name) {
  const tops_tensor& r = require_tensor(c, t, name, {TOPS_F32});
  require_ndim(r, name, 3);
  require_inner_contiguous(r, name);
  return r;
}

// Paged pool [n_blocks, block_size, H, D].
const tops_tensor& kv_pool(const tops_context& c, const tops_tensor* t, const char* name) {
  const tops_tensor& r = require_tensor(c, t, name, {TOPS_F32});
  require_ndim(r, name, 4);
  require_inner_contiguous(r, name);
  if (r.shape[1] < 1) fail(TOPS_ERR_SHAPE_MISMATCH, std::string(name) + " has block_size 0");
  return r;
}

const tops_tensor& block_table_of(const tops_context& c, const tops_tensor* t) {
  const tops_tensor& r = require_tensor(c, t, "block_table", {TOPS_I32});
  require_ndim(r, "block_table", 1);
  require_contiguous(r, "block_table");
  return r;
}

}  // namespace
}  // namespace tops

extern "C" {

TOPS_API tops_status tops_attention(tops_context* ctx, const tops_tensor* q, const tops_tensor* k,
                                    const tops_tensor* v, const tops_tensor* gate, const tops_tensor* cu_seqlens,
                                    const tops_attention_params* params, tops_tensor* out) {
  return tops::guard("tops_attention", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    const tops_tensor& kt = kv_rows(c, k, "k");
    const tops_tensor& vt = kv_rows(c, v, "v");
    require_dim(vt, "v", 0, kt.shape[0], "k's token count");
    require_dim(vt, "v", 1, kt.shape[1], "k's head count");
    AttentionArgs a{};
    check_queries(c, q, gate, params, out, kt.shape[1], kt.shape[2], vt.shape[2], a);
    a.nk = kt.shape[0];
    a.k = KvView{static_cast<const float*>(kt.data), kt.strides[0], kt.strides[1], nullptr, 1, 0};
    a.v = KvView{static_cast<const float*>(vt.data), vt.strides[0], vt.strides[1], nullptr, 1, 0};
    if (const tops_tensor* cu = optional_tensor(c, cu_seqlens, "cu_seqlens", {TOPS_I32})) {
      require_ndim(*cu, "cu_seqlens", 1);
      require_contiguous(*cu, "cu_seqlens");
      if (a.nq != a.nk)
        fail(TOPS_ERR_SHAPE_MISMATCH, "with cu_seqlens q and k must have the same token count (" + std::to_string(a.nq) +
                                          " vs " + std::to_string(a.nk) + ")");
      if (cu->shape[0] < 2) fail(TOPS_ERR_SHAPE_MISMATCH, "cu_seqlens needs at least 2 entries");
      const int64_t n = cu->shape[0];
      // CUDA: validate a host copy (a few entries, once per vision prefill); the kernel reads the
      // device array.
      std::vector<int32_t> host_cu;
      const int32_t* s = static_cast<const int32_t*>(cu->data);
      if (c.device != TOPS_DEVICE_CPU) {
        host_cu.resize(static_cast<size_t>(n));
        const tops_status st = tops_memcpy(&c, host_cu.data(), TOPS_DEVICE_CPU, cu->data, c.device, size_t(n) * 4);
        if (st != TOPS_OK) fail(st, std::string("reading cu_seqlens: ") + tops_last_error_message());
        s = host_cu.data();
      }
      bool ok = s[0] == 0 && s[n - 1] == a.nq;
      for (int64_t i = 1; ok && i < n; ++i) ok = s[i] >= s[i - 1];
      if (!ok)
        fail(TOPS_ERR_INVALID_ARG, "cu_seqlens must rise from 0 to " + std::to_string(a.nq) + " (got first " +
                                       std::to_string(s[0]) + ", last " + std::to_string(s[n - 1]) + ")");
      a.cu_seqlens = static_cast<const int32_t*>(cu->data);
      a.n_seg = n - 1;
    } else if (a.causal && a.nk < a.nq) {
      fail(TOPS_ERR_SHAPE_MISMATCH, "causal attention needs at least as many keys (" + std::to_string(a.nk) +
                                        ") as queries (" + std::to_string(a.nq) + ")");
    } else if (!a.causal && a.nk == 0 && a.nq > 0) {
      fail(TOPS_ERR_SHAPE_MISMATCH, "no keys to attend to");
    }
    run_attention(c, a);
  });
}

TOPS_API tops_status tops_kv_append(tops_context* ctx, tops_tensor* cache, int64_t start, const tops_tensor* src) {
  return tops::guard("tops_kv_append", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    const tops_tensor& dt = kv_rows(c, cache, "cache");
    const tops_tensor& st = kv_rows(c, src, "src");
    require_dim(st, "src", 1, dt.shape[1], "the cache's head count");
    require_dim(st, "src", 2, dt.shape[2], "the cache's head dim");
    if (start < 0 || start + st.shape[0] > dt.shape[0])
      fail(TOPS_ERR_INVALID_ARG, "rows [" + std::to_string(start) + ", " + std::to_string(start + st.shape[0]) +
                                     ") do not fit a cache of capacity " + std::to_string(dt.shape[0]));
    KvAppendArgs a{static_cast<float*>(dt.data), dt.strides[0], dt.strides[1], nullptr, 1, 0, 0, 0,
                   static_cast<const float*>(st.data), st.strides[0], st.strides[1], start, st.shape[0], st.shape[1],
                   st.shape[2]};
    if (a.n == 0) return;
    dispatch<KvAppendOp>(c, a, kv_append_cpu);
  });
}

TOPS_API tops_status tops_paged_kv_append(tops_context* ctx, tops_tensor* k_pool, tops_tensor* v_pool,
                                          const tops_tensor* block_table, int64_t start, const tops_tensor* k_new,
                                          const tops_tensor* v_new) {
  return tops::guard("tops_paged_kv_append", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    const tops_tensor& kp = kv_pool(c, k_pool, "k_pool");
    const tops_tensor& vp = kv_pool(c, v_pool, "v_pool");
    const tops_tensor& bt = block_table_of(c, block_table);
    const tops_tensor& kn = kv_rows(c, k_new, "k_new");
    const tops_tensor& vn = kv_rows(c, v_new, "v_new");
    require_dim(vp, "v_pool", 0, kp.shape[0], "k_pool's block count");
    require_dim(vp, "v_pool", 1, kp.shape[1], "k_pool's block size");
    require_dim(kn, "k_new", 1, kp.shape[2], "the pool's kv head count");
    require_dim(kn, "k_new", 2, kp.shape[3], "k_pool's head dim");
    require_dim(vn, "v_new", 0, kn.shape[0], "k_new's token count");
    require_dim(vn, "v_new", 1, vp.shape[2], "the pool's kv head count");
    require_dim(vn, "v_new", 2, vp.shape[3], "v_pool's head dim");
    if (start < 0) fail(TOPS_ERR_INVALID_ARG, "start is negative");
    const int64_t bs = kp.shape[1];
    if ((start + kn.shape[0] + bs - 1) / bs > bt.shape[0])
      fail(TOPS_ERR_INVALID_ARG, "tokens up to " + std::to_string(start + kn.shape[0]) + " need more than the " +
                                     std::to_string(bt.shape[0]) + " blocks of the table");
    const int32_t* table = static_cast<const int32_t*>(bt.data);
    KvAppendArgs a{static_cast<float*>(kp.data), kp.strides[1], kp.strides[2], table, bs, kp.strides[0], kp.shape[0],
                   bt.shape[0], static_cast<const float*>(kn.data), kn.strides[0], kn.strides[1], start, kn.shape[0],
                   kn.shape[1], kn.shape[2]};
    if (a.n == 0) return;
    dispatch<KvAppendOp>(c, a, kv_append_cpu);
    a.dst = static_cast<float*>(vp.data);
    a.dst_token_stride = vp.strides[1];
    a.dst_head_stride = vp.strides[2];
    a.block_stride = vp.strides[0];
    a.src = static_cast<const float*>(vn.data);
    a.src_token_stride = vn.strides[0];
    a.src_head_stride = vn.strides[1];
    a.heads = vn.shape[1];
    a.dim = vn.shape[2];
    dispatch<KvAppendOp>(c, a, kv_append_cpu);
  });
}

TOPS_API tops_status tops_paged_attention(tops_context* ctx, const tops_tensor* q, const tops_tensor* k_pool,
                                          const tops_tensor* v_pool, const tops_tensor* block_table, int64_t kv_len,
                                          const tops_tensor* gate, const tops_attention_params* params,
                                          tops_tensor* out) {
  return tops::guard("tops_paged_attention", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    const tops_tensor& kp = kv_pool(c, k_pool, "k_pool");
    const tops_tensor& vp = kv_pool(c, v_pool, "v_pool");
    const tops_tensor& bt = block_table_of(c, block_table);
    require_dim(vp, "v_pool", 0, kp.shape[0], "k_pool's block count");
    require_dim(vp, "v_pool", 1, kp.shape[1], "k_pool's block size");
    require_dim(vp, "v_pool", 2, kp.shape[2], "k_pool's kv head count");
    AttentionArgs a{};
    check_queries(c, q, gate, params, out, kp.shape[2], kp.shape[3], vp.shape[3], a);
    const int64_t bs = kp.shape[1];
    if (kv_len < 0 || (a.causal && kv_len < a.nq) || (kv_len == 0 && a.nq > 0))
      fail(TOPS_ERR_INVALID_ARG, "kv_len " + std::to_string(kv_len) + " is too small for " + std::to_string(a.nq) + " queries");
    if ((kv_len + bs - 1) / bs > bt.shape[0])
      fail(TOPS_ERR_INVALID_ARG, "kv_len " + std::to_string(kv_len) + " needs more than the " + std::to_string(bt.shape[0]) +
                                     " blocks of the table");
    const int32_t* table = static_cast<const int32_t*>(bt.data);
    a.nk = kv_len;
    a.k = KvView{static_cast<const float*>(kp.data), kp.strides[1], kp.strides[2], table, bs, kp.strides[0]};
    a.v = KvView{static_cast<const float*>(vp.data), vp.strides[1], vp.strides[2], table, bs, vp.strides[0]};
    a.n_blocks = kp.shape[0];
    a.table_len = bt.shape[0];
    run_attention(c, a);
  });
}

}  // extern "C"
