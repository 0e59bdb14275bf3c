// Internal declarations of tops_embedding (tensor_ops/embedding.h). CUDA: EmbeddingOp.
#pragma once

#include "core/context_impl.h"
#include "tensor_ops/tensor.h"

namespace tops {

// Validated: table [V, D] f32/bf16/f16 innermost contiguous; ids [n] i32 contiguous; out [n, D]
// f32 innermost contiguous. Ids are range-checked by the backend (CPU: before writing).
struct EmbeddingArgs {
  tops_tensor table, ids, out;
};
struct EmbeddingOp {
  using Fn = void(tops_context&, const EmbeddingArgs&);
};

// Exact (a widening copy): one implementation serves as reference and CPU path.
void embedding_cpu(tops_context&, const EmbeddingArgs&);

}  // namespace tops
