// CUDA add/mul (with the CPU's trailing-dims broadcast), scale and strided copy with dtype
// conversion (round to nearest even, as core/half.h). One thread per element.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "core/cuda_hooks.h"
#include "cuda/cuda_context.h"
#include "cuda/device_math.cuh"
#include "cuda/device_rows.cuh"
#include "elementwise/elementwise_impl.h"

namespace tops {
namespace {

struct EwArgs {
  const void* a;
  const float* b;
  void* y;
  cuda::DeviceRows ar, br, yr;
  int64_t n;            // innermost length
  int64_t a_inner, y_inner;  // innermost strides (copy only; 1 otherwise)
  int64_t nb;           // broadcast: elements of b
  int mode;             // 0 add, 1 mul, 2 scale, 3 copy
  bool broadcast;
  float scale;
  tops_dtype a_dtype, y_dtype;
};

__global__ void ew_kernel(EwArgs p) {
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= p.ar.rows * p.n) return;
  const int64_t r = idx / p.n, i = idx % p.n;
  const int64_t ao = p.ar.offset(r) + i * p.a_inner, yo = p.yr.offset(r) + i * p.y_inner;
  if (p.mode == 3) {
    if (p.a_dtype == TOPS_I32) {
      static_cast<int32_t*>(p.y)[yo] = static_cast<const int32_t*>(p.a)[ao];
      return;
    }
    const float v = cuda::load_as_float(p.a, p.a_dtype, ao);
    switch (p.y_dtype) {
      case TOPS_BF16: static_cast<__nv_bfloat16*>(p.y)[yo] = __float2bfloat16(v); break;
      case TOPS_F16: static_cast<__half*>(p.y)[yo] = __float2half(v); break;
      default: static_cast<float*>(p.y)[yo] = v; break;
    }
    return;
  }
  const float x = static_cast<const float*>(p.a)[ao];
  float v;
  if (p.mode == 2) {
    v = x * p.scale;
  } else {
    const float b = p.broadcast ? p.b[(r * p.n + i) % p.nb] : p.b[p.br.offset(r) + i];
    v = p.mode == 0 ? x + b : x * b;
  }
  static_cast<float*>(p.y)[yo] = v;
}

void launch(tops_context& ctx, const EwArgs& p) {
  const int64_t total = p.ar.rows * p.n;
  if (total == 0) return;
  ew_kernel<<<cuda::blocks_for(total, 256), 256, 0, cuda::stream_of(ctx)>>>(p);
  TOPS_CUDA_CHECK_LAUNCH("ew_kernel");
}

EwArgs base(const tops_tensor& a, const tops_tensor& y) {
  EwArgs p{};
  p.a = a.data;
  p.y = y.data;
  p.ar = cuda::DeviceRows::of(a);
  p.yr = cuda::DeviceRows::of(y);
  p.n = a.ndim > 0 ? a.shape[a.ndim - 1] : 1;
  p.a_inner = 1;
  p.y_inner = 1;
  p.a_dtype = a.dtype;
  p.y_dtype = y.dtype;
  return p;
}

void binary_cuda(tops_context& ctx, const BinaryArgs& a) {
  EwArgs p = base(a.a, a.y);
  p.b = static_cast<const float*>(a.b.data);
  p.br = cuda::DeviceRows::of(a.b);
  p.nb = tops_tensor_numel(&a.b);
  p.broadcast = a.broadcast;
  p.mode = a.kind == BinaryKind::kAdd ? 0 : 1;
  if (p.broadcast && p.nb == 0) return;
  launch(ctx, p);
}

void scale_cuda(tops_context& ctx, const ScaleArgs& a) {
  EwArgs p = base(a.x, a.y);
  p.mode = 2;
  p.scale = a.scale;
  launch(ctx, p);
}

void copy_cuda(tops_context& ctx, const CopyArgs& a) {
  EwArgs p = base(a.src, a.dst);
  p.mode = 3;
  const int32_t nd = a.src.ndim;
  p.a_inner = nd > 0 ? a.src.strides[nd - 1] : 1;
  p.y_inner = nd > 0 ? a.dst.strides[nd - 1] : 1;
  launch(ctx, p);
}

}  // namespace
}  // namespace tops

TOPS_REGISTER_CUDA_KERNEL(tops::BinaryOp, tops::binary_cuda);
TOPS_REGISTER_CUDA_KERNEL(tops::ScaleOp, tops::scale_cuda);
TOPS_REGISTER_CUDA_KERNEL(tops::CopyOp, tops::copy_cuda);
