// Context bookkeeping around DecoderModel::forward.
#include "decoder_session.h"

#include "pio/sdk/decoder_model.h"
#include "pio/sdk/error.h"

namespace pio::sdk {

DecoderSession::DecoderSession(const DecoderModel& model, const KvCacheShape& cache_shape)
    : model_(model), cache_(cache_shape) {}

void DecoderSession::eval(const EvalRequest& request) {
  const auto n = static_cast<int64_t>(request.tokens.size());
  if (length_ + n > cache_.capacity()) {
    throw_error(ErrorCode::kContextOverflow,
                "{} cached + {} new tokens exceed the session's context of {} tokens", length_, n,
                cache_.capacity());
  }
  if (!request.images.empty()) {
    throw_error(ErrorCode::kUnsupported, "{} is a text model: images are not accepted",
                model_.architecture().model_type);
  }
  const int64_t vocab = model_.architecture().dims.vocab_size;
  for (pio_token id : request.tokens) {
    if (id < 0 || id >= vocab) {
      throw_error(ErrorCode::kInvalidArgument, "token id {} is outside the vocabulary (0..{})", id,
                  vocab - 1);
    }
  }
  // On failure the cache rows past length_ may hold partial data; they are never read because
  // attention only sees the prefix [0, length_) and later calls overwrite them.
  model_.forward(cache_, workspace_, request.tokens, length_, request.logits_mode, request.logits,
                 request.progress);
  length_ += n;
}

void DecoderSession::truncate(size_t n_tokens) {
  // Attention reads only the cache prefix [0, length), so dropping positions is bookkeeping.
  if (static_cast<int64_t>(n_tokens) < length_) length_ = static_cast<int64_t>(n_tokens);
}

}  // namespace pio::sdk
