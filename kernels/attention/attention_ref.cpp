// Reference attention: full softmax per query in double, and the shared block-table check.
#include <cmath>
#include <string>
#include <vector>

#include "attention/attention_impl.h"
#include "core/error.h"

namespace tops {

void check_block_table(const int32_t* table, int64_t table_len, int64_t block_size, int64_t n_blocks,
                       int64_t first_token, int64_t n_tokens) {
  if (n_tokens <= 0) return;
  const int64_t last_block = (first_token + n_tokens - 1) / block_size;
  if (last_block >= table_len)
    fail(TOPS_ERR_INVALID_ARG, "token " + std::to_string(first_token + n_tokens - 1) + " needs block table entry " +
                                   std::to_string(last_block) + " but the table has " + std::to_string(table_len));
  for (int64_t b = first_token / block_size; b <= last_block; ++b)
    if (table[b] < 0 || table[b] >= n_blocks)
      fail(TOPS_ERR_INVALID_ARG, "block_table[" + std::to_string(b) + "] = " + std::to_string(table[b]) +
                                     " is outside the pool's " + std::to_string(n_blocks) + " blocks");
}

void attention_ref(tops_context&, const AttentionArgs& a) {
  if (a.k.block_table) check_block_table(a.k.block_table, a.table_len, a.k.block_size, a.n_blocks, 0, a.nk);
  const int64_t group = a.hq / a.hkv;
  std::vector<double> p(static_cast<size_t>(a.nk)), o(static_cast<size_t>(a.dv));
  for (int64_t i = 0; i < a.nq; ++i) {
    int64_t lo, hi;
    key_range(a, i, lo, hi);
    for (int64_t h = 0; h < a.hq; ++h) {
      const float* q = a.q + i * a.q_stride_t + h * a.q_stride_h;
      const int64_t kh = h / group;
      double m = -INFINITY;
      for (int64_t j = lo; j < hi; ++j) {
        const float* k = a.k.at(j, kh);
        double s = 0;
        for (int64_t d = 0; d < a.dk; ++d) s += double(q[d]) * k[d];
        p[size_t(j)] = s * a.scale;
        m = std::fmax(m, p[size_t(j)]);
      }
      double l = 0;
      for (int64_t j = lo; j < hi; ++j) l += (p[size_t(j)] = std::exp(p[size_t(j)] - m));
      std::fill(o.begin(), o.end(), 0.0);
      for (int64_t j = lo; j < hi; ++j) {
        const float* v = a.v.at(j, kh);
        for (int64_t d = 0; d < a.dv; ++d) o[size_t(d)] += p[size_t(j)] / l * v[d];
      }
      float* out = a.out + i * a.out_stride_t + h * a.out_stride_h;
      const float* g = a.gate ? a.gate + i * a.gate_stride_t + h * a.gate_stride_h : nullptr;
      for (int64_t d = 0; d < a.dv; ++d)
        out[d] = static_cast<float>(g ? o[size_t(d)] / (1.0 + std::exp(-double(g[d]))) : o[size_t(d)]);
    }
  }
}

}  // namespace tops
