// A DecoderModel conversation: the KV cache, scratch activations and the cached length.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pio/sdk/layers/kv_cache.h"
#include "pio/sdk/layers/workspace.h"
#include "pio/sdk/session.h"

namespace pio::sdk {

class DecoderModel;

class DecoderSession final : public Session {
 public:
  // `model` outlives the session (the SDK adapter guarantees it).
  DecoderSession(const DecoderModel& model, const KvCacheShape& cache_shape);

  void eval(const EvalRequest& request) override;
  size_t length() const override { return static_cast<size_t>(length_); }
  void truncate(size_t n_tokens) override;

 private:
  const DecoderModel& model_;
  KvCache cache_;
  Workspace workspace_;
  int64_t length_ = 0;
};

}  // namespace pio::sdk
