// The definition of the opaque tops_context, shared by the CPU and CUDA backends.
#pragma once

#include <memory>

#include "core/thread_pool.h"
#include "tensor_ops/context.h"

struct tops_context {
  tops_device device = TOPS_DEVICE_CPU;

  // CPU contexts.
  tops_cpu_path cpu_path = TOPS_CPU_PATH_SCALAR;  // resolved, never AUTO
  std::unique_ptr<tops::ThreadPool> pool;

  // CUDA contexts; filled and owned by the CUDA runtime hooks (core/cuda_hooks.h).
  int device_index = 0;
  void* cuda_stream = nullptr;  // cudaStream_t
  bool owns_stream = false;
  void* cuda_state = nullptr;   // backend-private (cuBLAS handle, workspaces)
};
