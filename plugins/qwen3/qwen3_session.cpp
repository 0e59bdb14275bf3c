// Qwen3 sessions: context bookkeeping around Qwen3Model::forward.
#include "qwen3_session.h"

#include "pio/sdk/error.h"
#include "qwen3_model.h"

namespace pio::qwen3 {
Qwen3Session::Qwen3Session(const Qwen3Model& model, const sdk::KvCacheShape& cache_shape)
    : model_(model), cache_(cache_shape) {}

void Qwen3Session::eval(const sdk::EvalRequest& request) {
  const auto n = static_cast<int64_t>(request.tokens.size());
  if (length_ + n > cache_.capacity()) {
    throw_error(ErrorCode::kContextOverflow,
                "{} cached + {} new tokens exceed the session's context of {} tokens", length_, n,
                cache_.capacity());
  }
  if (!request.images.empty()) {
    throw_error(ErrorCode::kUnsupported, "qwen3 is a text model: images are not accepted");
  }
  const int64_t vocab = model_.config().dims.vocab_size;
  for (pio_token id : request.tokens) {
    if (id < 0 || id >= vocab) {
      throw_error(ErrorCode::kInvalidArgument, "token id {} is outside the vocabulary (0..{})", id,
                  vocab - 1);
    }
  }
  model_.forward(cache_, workspace_, request.tokens, length_, request.logits_mode, request.logits,
                 request.progress);
  length_ += n;
}

void Qwen3Session::truncate(size_t n_tokens) {
  // Attention reads only the cache prefix [0, length), so dropping positions is bookkeeping.
  if (static_cast<int64_t>(n_tokens) < length_) length_ = static_cast<int64_t>(n_tokens);
}

}  // namespace pio::qwen3
