// CPU attention: the tile kernel of attention_tile.inc built three times (baseline x86-64, AVX2,
// AVX-512) and chosen from ctx.cpu_path; plus the KV cache append.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "attention/attention_impl.h"

// attention_tile.inc passes GCC vector-extension values between inline functions; -Wpsabi notes
// that their calling convention depends on the ISA, which is irrelevant for these internal,
// always-inlined helpers of one translation unit.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace tops {

namespace scalar_isa {
#include "attention/attention_tile.inc"
}  // namespace scalar_isa

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
namespace avx2_isa {
#include "attention/attention_tile.inc"
}  // namespace avx2_isa
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")
namespace avx512_isa {
#include "attention/attention_tile.inc"
}  // namespace avx512_isa
#pragma GCC pop_options
#endif

void attention_cpu(tops_context& ctx, const AttentionArgs& a) {
  if (a.k.block_table) check_block_table(a.k.block_table, a.table_len, a.k.block_size, a.n_blocks, 0, a.nk);
#if defined(__x86_64__)
  if (ctx.cpu_path >= TOPS_CPU_PATH_AVX512) return avx512_isa::attention_all(ctx, a);
  if (ctx.cpu_path == TOPS_CPU_PATH_AVX2) return avx2_isa::attention_all(ctx, a);
#endif
  scalar_isa::attention_all(ctx, a);
}

void kv_append_cpu(tops_context& ctx, const KvAppendArgs& a) {
  if (a.block_table) check_block_table(a.block_table, a.table_len, a.block_size, a.n_blocks, a.start, a.n);
  ctx.pool->parallel_for(a.n, 16, [&](int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; ++j) {
      const int64_t t = a.start + j;
      float* row = a.block_table ? a.dst + int64_t(a.block_table[t / a.block_size]) * a.block_stride +
                                       (t % a.block_size) * a.dst_token_stride
                                 : a.dst + t * a.dst_token_stride;
      for (int64_t h = 0; h < a.heads; ++h)
        std::memcpy(row + h * a.dst_head_stride, a.src + j * a.src_token_stride + h * a.src_head_stride,
                    size_t(a.dim) * sizeof(float));
    }
  });
}

}  // namespace tops
