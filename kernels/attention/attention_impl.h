// Internal declarations of the attention family (tensor_ops/attention.h). CUDA registers
// AttentionOp (serves tops_attention and tops_paged_attention: KvView covers both layouts),
// KvAppendOp and PagedKvAppendOp.
#pragma once

#include <cstdint>

#include "core/context_impl.h"
#include "core/host_device.h"
#include "tensor_ops/tensor.h"

namespace tops {

// Where key/value token t of kv head h lives, for contiguous and paged caches alike:
//   contiguous (block_table == nullptr): base + t * token_stride + h * head_stride
//   paged: base + block_table[t / block_size] * block_stride + (t % block_size) * token_stride
//          + h * head_stride
struct KvView {
  const float* base;
  int64_t token_stride, head_stride;
  const int32_t* block_table;  // nullable
  int64_t block_size, block_stride;
  const float* at(int64_t t, int64_t h) const {
    if (block_table == nullptr) return base + t * token_stride + h * head_stride;
    return base + int64_t(block_table[t / block_size]) * block_stride + (t % block_size) * token_stride + h * head_stride;
  }
};

// Validated attention problem. Query i (0 <= i < nq) of head h reads kv head h / (hq / hkv).
// Key range of query i: with cu_seqlens, its segment [cu[s], cu[s+1]) (causal: up to i); without,
// [0, nk) (causal: up to nk - nq + i). Block ids of a paged table are validated by the backend.
struct AttentionArgs {
  const float* q;
  int64_t q_stride_t, q_stride_h;
  KvView k, v;
  const float* gate;  // nullable, strides like out
  int64_t gate_stride_t, gate_stride_h;
  float* out;
  int64_t out_stride_t, out_stride_h;
  int64_t nq, nk, hq, hkv, dk, dv;
  float scale;
  bool causal;
  const int32_t* cu_seqlens;  // nullable, n_seg + 1 entries, validated
  int64_t n_seg;
  int64_t n_blocks;           // paged: physical blocks in the pools (for the block id check)
  int64_t table_len;          // paged: entries in block_table
};

// Copy of n rows [n, H, D] into a cache (contiguous or paged) at token positions [start, start+n).
struct KvAppendArgs {
  float* dst;
  int64_t dst_token_stride, dst_head_stride;
  const int32_t* block_table;  // nullable: contiguous
  int64_t block_size, block_stride, n_blocks, table_len;
  const float* src;
  int64_t src_token_stride, src_head_stride;
  int64_t start, n, heads, dim;
};

struct AttentionOp {
  using Fn = void(tops_context&, const AttentionArgs&);
};
struct KvAppendOp {
  using Fn = void(tops_context&, const KvAppendArgs&);
};

void attention_ref(tops_context&, const AttentionArgs&);
void attention_cpu(tops_context&, const AttentionArgs&);
// Exact copy: one implementation serves as reference and CPU path.
void kv_append_cpu(tops_context&, const KvAppendArgs&);
// Throws TOPS_ERR_INVALID_ARG if a block id used for tokens [0, n_tokens) is out of range (CPU).
void check_block_table(const int32_t* table, int64_t table_len, int64_t block_size, int64_t n_blocks,
                       int64_t first_token, int64_t n_tokens);

// Key range [lo, hi) of query i. Host and device: attention_cuda.cu uses this definition too.
TOPS_HD inline void key_range(const AttentionArgs& a, int64_t i, int64_t& lo, int64_t& hi) {
  if (a.cu_seqlens != nullptr) {
    int64_t s = 0;
    while (s + 1 < a.n_seg && a.cu_seqlens[s + 1] <= i) ++s;
    lo = a.cu_seqlens[s];
    hi = a.causal ? i + 1 : a.cu_seqlens[s + 1];
  } else {
    lo = 0;
    hi = a.causal ? a.nk - a.nq + i + 1 : a.nk;
  }
}

}  // namespace tops
