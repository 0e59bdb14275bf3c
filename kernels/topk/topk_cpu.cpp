// CPU argmax / top-k: one row per task; top-k keeps a k-entry min-heap (O(n log k)), which for
// k << n (sampling: k <= ~100 of 150K logits) is one pass over the row.
#include <algorithm>
#include <utility>
#include <vector>

#include "topk/topk_impl.h"

namespace tops {

void argmax_cpu(tops_context& ctx, const ArgmaxArgs& a) {
  ctx.pool->parallel_for(a.rows, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* x = a.x + r * a.x_stride;
      int64_t best = 0;
      for (int64_t i = 1; i < a.n; ++i)
        if (ranks_before(x[i], i, x[best], best)) best = i;
      a.indices[r] = static_cast<int32_t>(best);
    }
  });
}

void topk_cpu(tops_context& ctx, const TopkArgs& a) {
  ctx.pool->parallel_for(a.rows, 1, [&](int64_t r0, int64_t r1) {
    std::vector<std::pair<float, int64_t>> heap;
    heap.reserve(static_cast<size_t>(a.k));
    // Heap ordered so that the front is the entry that ranks LAST among those kept.
    auto later = [](const std::pair<float, int64_t>& p, const std::pair<float, int64_t>& q) {
      return ranks_before(p.first, p.second, q.first, q.second);
    };
    for (int64_t r = r0; r < r1; ++r) {
      const float* x = a.x + r * a.x_stride;
      heap.clear();
      for (int64_t i = 0; i < a.n; ++i) {
        if (static_cast<int64_t>(heap.size()) < a.k) {
          heap.emplace_back(x[i], i);
          std::push_heap(heap.begin(), heap.end(), later);
        } else if (ranks_before(x[i], i, heap.front().first, heap.front().second)) {
          std::pop_heap(heap.begin(), heap.end(), later);
          heap.back() = {x[i], i};
          std::push_heap(heap.begin(), heap.end(), later);
        }
      }
      std::sort(heap.begin(), heap.end(), later);
      for (int32_t j = 0; j < a.k; ++j) {
        a.indices[r * a.k + j] = static_cast<int32_t>(heap[size_t(j)].second);
        if (a.values) a.values[r * a.k + j] = heap[size_t(j)].first;
      }
    }
  });
}

}  // namespace tops
