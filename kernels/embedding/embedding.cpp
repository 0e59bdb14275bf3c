// Entry point of tops_embedding (tensor_ops/embedding.h).
#include "core/dispatch.h"
#include "core/guard.h"
#include "core/validate.h"
#include "embedding/embedding_impl.h"
#include "tensor_ops/embedding.h"

extern "C" TOPS_API tops_status tops_embedding(tops_context* ctx, const tops_tensor* table, const tops_tensor* ids,
                                               tops_tensor* out) {
  return tops::guard("tops_embedding", [&] {
    using namespace tops;
    tops_context& c = require_context(ctx);
    EmbeddingArgs a{require_tensor(c, table, "table", {TOPS_F32, TOPS_BF16, TOPS_F16}),
                    require_tensor(c, ids, "ids", {TOPS_I32}), require_tensor(c, out, "out", {TOPS_F32})};
    require_ndim(a.table, "table", 2);
    require_ndim(a.ids, "ids", 1);
    require_ndim(a.out, "out", 2);
    require_dim(a.out, "out", 0, a.ids.shape[0], "the number of ids");
    require_dim(a.out, "out", 1, a.table.shape[1], "the table's row width");
    require_inner_contiguous(a.table, "table");
    require_inner_contiguous(a.ids, "ids");
    require_inner_contiguous(a.out, "out");
    if (a.ids.shape[0] == 0) return;
    dispatch<EmbeddingOp>(c, a, embedding_cpu);
  });
}
