// CPU embedding lookup: validates every id first (so a bad id writes nothing), then widens the
// selected rows to f32 on the thread pool.
#include <cstring>
#include <string>

#include "core/dtype_load.h"
#include "core/error.h"
#include "embedding/embedding_impl.h"

namespace tops {

void embedding_cpu(tops_context& ctx, const EmbeddingArgs& a) {
  const int64_t n = a.ids.shape[0], vocab = a.table.shape[0], d = a.table.shape[1];
  const int32_t* ids = static_cast<const int32_t*>(a.ids.data);
  for (int64_t t = 0; t < n; ++t)
    if (ids[t] < 0 || ids[t] >= vocab)
      fail(TOPS_ERR_INVALID_ARG, "ids[" + std::to_string(t) + "] = " + std::to_string(ids[t]) +
                                     " is outside the table's " + std::to_string(vocab) + " rows");
  const int64_t row_stride = vocab > 1 ? a.table.strides[0] : d;
  ctx.pool->parallel_for(n, 4, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* out = static_cast<float*>(a.out.data) + t * a.out.strides[0];
      const int64_t base = int64_t(ids[t]) * row_stride;
      if (a.table.dtype == TOPS_F32) {
        std::memcpy(out, static_cast<const float*>(a.table.data) + base, size_t(d) * sizeof(float));
      } else if (a.table.dtype == TOPS_BF16) {
        const uint16_t* src = static_cast<const uint16_t*>(a.table.data) + base;
#pragma omp simd
        for (int64_t i = 0; i < d; ++i) {
          const uint32_t bits = uint32_t(src[i]) << 16;
          std::memcpy(&out[i], &bits, 4);
        }
      } else {
        for (int64_t i = 0; i < d; ++i) out[i] = load_f32(a.table.data, TOPS_F16, base + i);
      }
    }
  });
}

}  // namespace tops
