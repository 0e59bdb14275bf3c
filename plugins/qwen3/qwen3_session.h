// A Qwen3 conversation: the KV cache, scratch activations and the number of cached positions.
#pragma once

#include <cstddef>

#include "pio/sdk/layers/kv_cache.h"
#include "pio/sdk/layers/workspace.h"
#include "pio/sdk/session.h"

namespace pio::qwen3 {

class Qwen3Model;

class Qwen3Session final : public sdk::Session {
 public:
  // `model` outlives the session (the SDK adapter guarantees it).
  Qwen3Session(const Qwen3Model& model, const sdk::KvCacheShape& cache_shape);

  void eval(const sdk::EvalRequest& request) override;
  size_t length() const override { return static_cast<size_t>(length_); }
  void truncate(size_t n_tokens) override;

 private:
  const Qwen3Model& model_;
  sdk::KvCache cache_;
  sdk::Workspace workspace_;
  int64_t length_ = 0;
};

}  // namespace pio::qwen3
