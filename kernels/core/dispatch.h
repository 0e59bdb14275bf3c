// Backend selection shared by every op: CPU contexts run the CPU implementation (which itself
// picks reference / scalar / AVX2 / AVX-512 from ctx.cpu_path), CUDA contexts run the kernel the
// CUDA backend registered for the op's tag (core/cuda_hooks.h), or fail with TOPS_ERR_UNSUPPORTED.
#pragma once

#include <string>

#include "core/context_impl.h"
#include "core/cuda_hooks.h"
#include "core/error.h"

namespace tops {

template <class OpTag, class Args, class CpuFn>
void dispatch(tops_context& ctx, const Args& args, CpuFn&& cpu) {
  if (ctx.device == TOPS_DEVICE_CPU) {
    cpu(ctx, args);
    return;
  }
  auto* kernel = cuda_kernel<OpTag>;
  if (kernel == nullptr)
    fail(TOPS_ERR_UNSUPPORTED, std::string("no CUDA kernel for this op (") +
                                   (cuda_runtime == nullptr ? "libtensor_ops was built without CUDA" : "not implemented yet") +
                                   ")");
  kernel(ctx, args);
}

}  // namespace tops
