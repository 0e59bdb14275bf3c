// How the CUDA backend plugs into the dispatch without the CPU code linking against CUDA.
//
// * Runtime: the CUDA side defines one `CudaRuntime` table (context set-up, memory, copies) and
//   registers it at load time:  TOPS_REGISTER_CUDA_RUNTIME(my_table);
// * Kernels: each op declares a tag type with the backend signature in its <op>_impl.h, e.g.
//     struct RmsNormOp { using Fn = void(tops_context&, const RmsNormArgs&); };
//   and a .cu file registers its kernel:  TOPS_REGISTER_CUDA_KERNEL(RmsNormOp, rmsnorm_cuda);
//   The dispatcher calls it with arguments already validated, or fails with
//   TOPS_ERR_UNSUPPORTED when nothing is registered (CPU-only build, or op not ported yet).
// Backend functions report failures by throwing tops::Error (core/error.h), e.g. TOPS_ERR_CUDA.
// Registration runs from static initialisers inside libtensor_ops, before any op can be called.
#pragma once

#include <cstddef>

#include "tensor_ops/context.h"

namespace tops {

struct CudaRuntime {
  // Sets ctx.device_index, cuda_stream, owns_stream, cuda_state from the options; throws on error.
  void (*context_init)(tops_context& ctx, const tops_context_options& options);
  // Releases what context_init created. Must not throw.
  void (*context_destroy)(tops_context& ctx) noexcept;
  void* (*malloc)(tops_context& ctx, size_t bytes);            // throws TOPS_ERR_OUT_OF_MEMORY/CUDA
  void (*free)(tops_context& ctx, void* ptr) noexcept;
  void (*memcpy)(tops_context& ctx, void* dst, tops_device dst_device, const void* src,
                 tops_device src_device, size_t bytes);       // synchronous w.r.t. the host
  void (*synchronize)(tops_context& ctx);
};

inline const CudaRuntime* cuda_runtime = nullptr;

// Per-op CUDA kernel slot, keyed by the op's tag type.
template <class Op>
inline typename Op::Fn* cuda_kernel = nullptr;

}  // namespace tops

#define TOPS_CONCAT_INNER(a, b) a##b
#define TOPS_CONCAT(a, b) TOPS_CONCAT_INNER(a, b)
#define TOPS_REGISTER_CUDA_RUNTIME(table) \
  [[maybe_unused]] static const bool TOPS_CONCAT(tops_cuda_runtime_registered_, __LINE__) = (::tops::cuda_runtime = &(table), true)
#define TOPS_REGISTER_CUDA_KERNEL(OpTag, fn) \
  [[maybe_unused]] static const bool TOPS_CONCAT(tops_cuda_kernel_registered_, __LINE__) = (::tops::cuda_kernel<OpTag> = (fn), true)
