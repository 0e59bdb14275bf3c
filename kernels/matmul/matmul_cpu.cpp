// CPU tops_linear: y = x · Wᵀ (+ b) with W [out, in] in f32/bf16/f16.
//
// Structure (all paths): the output columns are cut into tiles of kOutTile weight rows, one tile
// per task on the thread pool. Inside a tile, rows of x are taken kRowBlock at a time and every
// group of 4 weight rows is dotted with them by a register-blocked micro-kernel (R x 4
// accumulators). Each weight tile (64 rows x in, e.g. 128 KB in bf16 for in = 1024) is therefore
// read from memory once and reused from L2 for every block of rows (prefill), while decode
// (one row) streams the weights exactly once, split over the threads: memory-bound GEMV.
// bf16/f16 weights are widened to f32 in registers (bf16: shift left 16; f16: vcvtph2ps).
//
// Paths: AVX-512 (16 lanes, masked tails), AVX2+FMA (8 lanes, scalar tails), and the portable
// loop (compiler-vectorised for baseline x86-64). AVX512_BF16 with bf16 weights rounds x to bf16
// once per call and uses vdpbf16ps (see the precision note in tensor_ops/matmul.h).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/dtype_load.h"
#include "core/half.h"
#include "matmul/matmul_impl.h"

#if defined(__x86_64__)
// GCC 12 warns inside its own AVX-512 headers (_mm512_undefined_* self-initialisation, GCC bug
// 105593, fixed in 13); the diagnostic is located in the header, so it is silenced here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

namespace tops {
namespace {

constexpr int64_t kOutTile = 64;  // weight rows per task: 64 x 1024 x 2 B = 128 KB, fits L2
constexpr int kRowBlock = 4;      // x rows per micro-kernel call (4 x 4 accumulators)

inline const char* weight_row(const LinearArgs& a, int64_t o) {
  return static_cast<const char*>(a.w) + o * a.w_stride * static_cast<int64_t>(tops_dtype_size(a.w_dtype));
}
inline float bias_at(const LinearArgs& a, int64_t o) { return a.bias ? load_f32(a.bias, a.bias_dtype, o) : 0.0f; }

// Runs body(o0, o1) over output tiles on the pool.
template <class Body>
void for_each_out_tile(tops_context& ctx, const LinearArgs& a, Body&& body) {
  // Decode: smaller tiles so that even out = 1024 gives every thread several tasks.
  const int64_t tile = a.rows <= 2 ? 16 : kOutTile;
  const int64_t tiles = (a.out + tile - 1) / tile;
  ctx.pool->parallel_for(tiles, 1, [&](int64_t t0, int64_t t1) { body(t0 * tile, std::min(a.out, t1 * tile)); });
}

// Walks the micro-kernel calls of the register-blocked paths over all output tiles: rows of x in
// blocks of kRowBlock, weight rows in groups of 4. Calls block.template operator()<R>(r0, o0, no)
// with R (1..4) the rows in the block, starting at r0, and no (1..4) the weight rows starting at o0.
template <class Block>
void for_each_micro_block(tops_context& ctx, const LinearArgs& a, Block&& block) {
  for_each_out_tile(ctx, a, [&](int64_t t0, int64_t t1) {
    for (int64_t r0 = 0; r0 < a.rows; r0 += kRowBlock) {
      const int64_t nr = std::min<int64_t>(kRowBlock, a.rows - r0);
      for (int64_t o = t0; o < t1; o += 4) {
        const int no = static_cast<int>(std::min<int64_t>(4, t1 - o));
        switch (nr) {
          case 1: block.template operator()<1>(r0, o, no); break;
          case 2: block.template operator()<2>(r0, o, no); break;
          case 3: block.template operator()<3>(r0, o, no); break;
          default: block.template operator()<4>(r0, o, no); break;
        }
      }
    }
  });
}

// The whole product with the micro-kernel of one ISA: selects the weight dtype W once, then calls
// kernel.template operator()<W, R>(r0, o0, no) for every micro block (see for_each_micro_block).
template <class Kernel>
void linear_blocked(tops_context& ctx, const LinearArgs& a, Kernel&& kernel) {
  const auto with_dtype = [&]<int W>() {
    for_each_micro_block(ctx, a, [&]<int R>(int64_t r0, int64_t o0, int no) {
      kernel.template operator()<W, R>(r0, o0, no);
    });
  };
  switch (a.w_dtype) {
    case TOPS_F32: return with_dtype.template operator()<TOPS_F32>();
    case TOPS_BF16: return with_dtype.template operator()<TOPS_BF16>();
    default: return with_dtype.template operator()<TOPS_F16>();
  }
}

// ---- portable path ---------------------------------------------------------------------------

void linear_portable(tops_context& ctx, const LinearArgs& a) {
  for_each_out_tile(ctx, a, [&](int64_t o0, int64_t o1) {
    std::vector<float> wrow(static_cast<size_t>(a.in));
    for (int64_t o = o0; o < o1; ++o) {
      const char* w = weight_row(a, o);
      for (int64_t i = 0; i < a.in; ++i) wrow[size_t(i)] = load_f32(w, a.w_dtype, i);
      const float b = bias_at(a, o);
      for (int64_t r = 0; r < a.rows; ++r) {
        const float* x = a.x + r * a.x_stride;
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
        for (int64_t i = 0; i < a.in; ++i) acc += x[i] * wrow[size_t(i)];
        a.y[r * a.y_stride + o] = acc + b;
      }
    }
  });
}

#if defined(__x86_64__)

// Register blocking helpers for the micro-kernels: 16 named accumulators a<row><col>.
#define TOPS_DECLARE_ACCUMULATORS(T, zero)                                                            \
  T a00 = zero, a01 = zero, a02 = zero, a03 = zero, a10 = zero, a11 = zero, a12 = zero, a13 = zero,  \
    a20 = zero, a21 = zero, a22 = zero, a23 = zero, a30 = zero, a31 = zero, a32 = zero, a33 = zero
#define TOPS_FMA_ROW(r, e0, e1, e2, e3) \
  a##r##0 = (e0);                        \
  a##r##1 = (e1);                        \
  a##r##2 = (e2);                        \
  a##r##3 = (e3);
#define TOPS_ACCUMULATOR_TABLE \
  { {a00, a01, a02, a03}, {a10, a11, a12, a13}, {a20, a21, a22, a23}, {a30, a31, a32, a33} }

// ---- AVX2 ------------------------------------------------------------------------------------
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
namespace avx2 {

template <int W>
inline __m256 load_w(const char* p, int64_t i) {
  if constexpr (W == TOPS_F32) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(p) + i);
  } else if constexpr (W == TOPS_BF16) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(reinterpret_cast<const uint16_t*>(p) + i));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  } else {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(reinterpret_cast<const uint16_t*>(p) + i)));
  }
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// y[r0 .. r0+R) x [o0 .. o0+no) for no <= 4. Accumulators are named variables (not an array)
// so that GCC keeps all 4R of them in registers without spilling them every iteration.
template <int W, int R>
void block(const LinearArgs& a, int64_t r0, int64_t o0, int no) {
  const float* x[4];
  const char* w[4];
  for (int r = 0; r < 4; ++r) x[r] = a.x + (r0 + (r < R ? r : 0)) * a.x_stride;
  for (int j = 0; j < 4; ++j) w[j] = weight_row(a, o0 + (j < no ? j : 0));
  TOPS_DECLARE_ACCUMULATORS(__m256, _mm256_setzero_ps());
  int64_t i = 0;
  for (; i + 8 <= a.in; i += 8) {
    const __m256 w0 = load_w<W>(w[0], i), w1 = load_w<W>(w[1], i), w2 = load_w<W>(w[2], i), w3 = load_w<W>(w[3], i);
#define TOPS_ROW(r)                                                                                 \
  if constexpr (R > r) {                                                                            \
    const __m256 xv = _mm256_loadu_ps(x[r] + i);                                                   \
    TOPS_FMA_ROW(r, _mm256_fmadd_ps(xv, w0, a##r##0), _mm256_fmadd_ps(xv, w1, a##r##1),            \
                 _mm256_fmadd_ps(xv, w2, a##r##2), _mm256_fmadd_ps(xv, w3, a##r##3))               \
  }
    TOPS_ROW(0) TOPS_ROW(1) TOPS_ROW(2) TOPS_ROW(3)
#undef TOPS_ROW
  }
  const __m256 acc[4][4] = TOPS_ACCUMULATOR_TABLE;
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < no; ++j) {
      float s = hsum(acc[r][j]);
      for (int64_t k = i; k < a.in; ++k) s += x[r][k] * load_f32(w[j], W, k);
      a.y[(r0 + r) * a.y_stride + o0 + j] = s + bias_at(a, o0 + j);
    }
}

void linear(tops_context& ctx, const LinearArgs& a) {
  linear_blocked(ctx, a, [&]<int W, int R>(int64_t r0, int64_t o0, int no) { block<W, R>(a, r0, o0, no); });
}

}  // namespace avx2
#pragma GCC pop_options

// ---- AVX-512 ---------------------------------------------------------------------------------
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")
namespace avx512 {

template <int W>
inline __m512 load_w(const char* p, int64_t i, __mmask16 m) {
  if constexpr (W == TOPS_F32) {
    return _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(p) + i);
  } else {
    const __m256i h = _mm256_maskz_loadu_epi16(m, reinterpret_cast<const uint16_t*>(p) + i);
    if constexpr (W == TOPS_BF16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    else return _mm512_cvtph_ps(h);
  }
}

template <int W, int R>
void block(const LinearArgs& a, int64_t r0, int64_t o0, int no) {
  const float* x[4];
  const char* w[4];
  for (int r = 0; r < 4; ++r) x[r] = a.x + (r0 + (r < R ? r : 0)) * a.x_stride;
  for (int j = 0; j < 4; ++j) w[j] = weight_row(a, o0 + (j < no ? j : 0));
  TOPS_DECLARE_ACCUMULATORS(__m512, _mm512_setzero_ps());
  for (int64_t i = 0; i < a.in; i += 16) {
    // Full mask except on the last, partial step; masked-off lanes load zeros.
    const int64_t left = a.in - i;
    const __mmask16 m = left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1u);
    const __m512 w0 = load_w<W>(w[0], i, m), w1 = load_w<W>(w[1], i, m), w2 = load_w<W>(w[2], i, m),
                 w3 = load_w<W>(w[3], i, m);
#define TOPS_ROW(r)                                                                                 \
  if constexpr (R > r) {                                                                            \
    const __m512 xv = _mm512_maskz_loadu_ps(m, x[r] + i);                                          \
    TOPS_FMA_ROW(r, _mm512_fmadd_ps(xv, w0, a##r##0), _mm512_fmadd_ps(xv, w1, a##r##1),            \
                 _mm512_fmadd_ps(xv, w2, a##r##2), _mm512_fmadd_ps(xv, w3, a##r##3))               \
  }
    TOPS_ROW(0) TOPS_ROW(1) TOPS_ROW(2) TOPS_ROW(3)
#undef TOPS_ROW
  }
  const __m512 acc[4][4] = TOPS_ACCUMULATOR_TABLE;
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < no; ++j) a.y[(r0 + r) * a.y_stride + o0 + j] = _mm512_reduce_add_ps(acc[r][j]) + bias_at(a, o0 + j);
}

void linear(tops_context& ctx, const LinearArgs& a) {
  linear_blocked(ctx, a, [&]<int W, int R>(int64_t r0, int64_t o0, int no) { block<W, R>(a, r0, o0, no); });
}

}  // namespace avx512
#pragma GCC pop_options

// ---- AVX-512 BF16 (vdpbf16ps), bf16 weights only ---------------------------------------------
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx2,fma,f16c")
namespace avx512bf16 {

// x rows (bf16, contiguous [rows, in]) times 4 bf16 weight rows; 32 bf16 pairs per step.
template <int R>
void block(const LinearArgs& a, const uint16_t* xb, int64_t r0, int64_t o0, int no) {
  const uint16_t* x[4];
  const uint16_t* w[4];
  for (int r = 0; r < 4; ++r) x[r] = xb + (r0 + (r < R ? r : 0)) * a.in;
  for (int j = 0; j < 4; ++j) w[j] = reinterpret_cast<const uint16_t*>(weight_row(a, o0 + (j < no ? j : 0)));
  TOPS_DECLARE_ACCUMULATORS(__m512, _mm512_setzero_ps());
  for (int64_t i = 0; i < a.in; i += 32) {
    const int64_t left = a.in - i;
    const __mmask32 m = left >= 32 ? __mmask32(0xffffffffu) : __mmask32((1u << left) - 1u);
    const __m512bh w0 = (__m512bh)_mm512_maskz_loadu_epi16(m, w[0] + i), w1 = (__m512bh)_mm512_maskz_loadu_epi16(m, w[1] + i),
                   w2 = (__m512bh)_mm512_maskz_loadu_epi16(m, w[2] + i), w3 = (__m512bh)_mm512_maskz_loadu_epi16(m, w[3] + i);
#define TOPS_ROW(r)                                                                                 \
  if constexpr (R > r) {                                                                            \
    const __m512bh xv = (__m512bh)_mm512_maskz_loadu_epi16(m, x[r] + i);                           \
    TOPS_FMA_ROW(r, _mm512_dpbf16_ps(a##r##0, xv, w0), _mm512_dpbf16_ps(a##r##1, xv, w1),          \
                 _mm512_dpbf16_ps(a##r##2, xv, w2), _mm512_dpbf16_ps(a##r##3, xv, w3))             \
  }
    TOPS_ROW(0) TOPS_ROW(1) TOPS_ROW(2) TOPS_ROW(3)
#undef TOPS_ROW
  }
  const __m512 acc[4][4] = TOPS_ACCUMULATOR_TABLE;
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < no; ++j) a.y[(r0 + r) * a.y_stride + o0 + j] = _mm512_reduce_add_ps(acc[r][j]) + bias_at(a, o0 + j);
}

void linear(tops_context& ctx, const LinearArgs& a) {
  // Round x to bf16 once (round to nearest even, vcvtneps2bf16), reused by every weight tile.
  std::vector<uint16_t> xb(static_cast<size_t>(a.rows * a.in));
  for (int64_t r = 0; r < a.rows; ++r) {
    const float* x = a.x + r * a.x_stride;
    uint16_t* d = xb.data() + r * a.in;
    int64_t i = 0;
    for (; i + 16 <= a.in; i += 16)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(x + i)));
    for (; i < a.in; ++i) d[i] = f32_to_bf16(x[i]);
  }
  const uint16_t* xp = xb.data();
  for_each_micro_block(ctx, a, [&]<int R>(int64_t r0, int64_t o0, int no) { block<R>(a, xp, r0, o0, no); });
}

}  // namespace avx512bf16
#pragma GCC pop_options

#endif  // __x86_64__

}  // namespace

void linear_cpu(tops_context& ctx, const LinearArgs& a) {
#if defined(__x86_64__)
  switch (ctx.cpu_path) {
    case TOPS_CPU_PATH_AVX512_BF16:
      if (a.w_dtype == TOPS_BF16) return avx512bf16::linear(ctx, a);
      return avx512::linear(ctx, a);
    case TOPS_CPU_PATH_AVX512: return avx512::linear(ctx, a);
    case TOPS_CPU_PATH_AVX2: return avx2::linear(ctx, a);
    default: break;
  }
#endif
  linear_portable(ctx, a);
}

}  // namespace tops
