// CPU add/mul/scale (vectorised rows over the thread pool) and strided copy with conversion.
#include <cstring>

#include "core/dtype_load.h"
#include "core/half.h"
#include "core/rows.h"
#include "elementwise/elementwise_impl.h"

namespace tops {
namespace {
// ~32K elements per task: elementwise ops are memory-bound, tiny tasks only add overhead.
int64_t grain_rows(int64_t n) { return n >= 32768 ? 1 : 32768 / (n > 0 ? n : 1); }
}  // namespace

void binary_cpu(tops_context& ctx, const BinaryArgs& a) {
  const int64_t n = a.a.ndim > 0 ? a.a.shape[a.a.ndim - 1] : 1;
  const int64_t nb = tops_tensor_numel(&a.b);
  const RowIndexer ar(a.a), br(a.b), yr(a.y);
  ctx.pool->parallel_for(ar.rows(), grain_rows(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* x = static_cast<const float*>(a.a.data) + ar.offset(r);
      float* y = static_cast<float*>(a.y.data) + yr.offset(r);
      const float* b;
      if (!a.broadcast) {
        b = static_cast<const float*>(a.b.data) + br.offset(r);
      } else if (nb % n == 0) {
        b = static_cast<const float*>(a.b.data) + (r * n) % nb;
      } else {  // b smaller than a row: rare, go element by element
        for (int64_t i = 0; i < n; ++i) {
          const float bv = static_cast<const float*>(a.b.data)[(r * n + i) % nb];
          y[i] = a.kind == BinaryKind::kAdd ? x[i] + bv : x[i] * bv;
        }
        continue;
      }
      if (a.kind == BinaryKind::kAdd) {
#pragma omp simd
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] + b[i];
      } else {
#pragma omp simd
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] * b[i];
      }
    }
  });
}

void scale_cpu(tops_context& ctx, const ScaleArgs& a) {
  const int64_t n = a.x.ndim > 0 ? a.x.shape[a.x.ndim - 1] : 1;
  const RowIndexer xr(a.x), yr(a.y);
  ctx.pool->parallel_for(xr.rows(), grain_rows(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* x = static_cast<const float*>(a.x.data) + xr.offset(r);
      float* y = static_cast<float*>(a.y.data) + yr.offset(r);
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] * a.scale;
    }
  });
}

void copy_cpu(tops_context& ctx, const CopyArgs& a) {
  const int32_t nd = a.src.ndim;
  const int64_t n = nd > 0 ? a.src.shape[nd - 1] : 1;
  const int64_t ss = nd > 0 ? a.src.strides[nd - 1] : 1;
  const int64_t ds = nd > 0 ? a.dst.strides[nd - 1] : 1;
  const RowIndexer sr(a.src), dr(a.dst);
  ctx.pool->parallel_for(sr.rows(), grain_rows(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t so = sr.offset(r), doff = dr.offset(r);
      if (a.src.dtype == TOPS_I32 || a.src.dtype == a.dst.dtype) {
        const size_t es = tops_dtype_size(a.src.dtype);
        const char* s = static_cast<const char*>(a.src.data);
        char* d = static_cast<char*>(a.dst.data);
        for (int64_t i = 0; i < n; ++i) std::memcpy(d + (doff + i * ds) * int64_t(es), s + (so + i * ss) * int64_t(es), es);
        continue;
      }
      for (int64_t i = 0; i < n; ++i) {
        const float v = load_f32(a.src.data, a.src.dtype, so + i * ss);
        const int64_t j = doff + i * ds;
        switch (a.dst.dtype) {
          case TOPS_F32: static_cast<float*>(a.dst.data)[j] = v; break;
          case TOPS_BF16: static_cast<uint16_t*>(a.dst.data)[j] = f32_to_bf16(v); break;
          default: static_cast<uint16_t*>(a.dst.data)[j] = f32_to_f16(v); break;
        }
      }
    }
  });
}

}  // namespace tops
