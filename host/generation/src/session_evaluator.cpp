#include "pio/generation/session_evaluator.h"

#include "pio/sdk/error.h"

namespace pio {

SessionEvaluator::SessionEvaluator(std::shared_ptr<host::Session> session, size_t context_length,
                                   std::vector<int32_t> known_tokens, const host::Progress* progress)
    : session_(std::move(session)),
      context_length_(context_length),
      tokens_(std::move(known_tokens)),
      progress_(progress) {
  if (!session_) throw_error(ErrorCode::kInvalidArgument, "SessionEvaluator: no session");
}

void SessionEvaluator::truncate(size_t n_tokens) {
  if (n_tokens >= tokens_.size()) return;
  session_->truncate(n_tokens);
  tokens_.resize(n_tokens);
}

void SessionEvaluator::evaluate(std::span<const int32_t> tokens, std::span<float> logits) {
  try {
    session_->eval_into(tokens, host::Logits::kLast, logits, {}, progress_);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kInvalidArgument && e.code() != ErrorCode::kContextOverflow) {
      try {
        session_->truncate(tokens_.size());
      } catch (const Error&) {
        tokens_.clear();
        try {
          session_->truncate(0);
        } catch (const Error&) {
        }
      }
    }
    throw;
  }
  tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());
}

std::string SessionEvaluator::detokenize(std::span<const int32_t> ids) {
  try {
    return session_->model()->detokenize(ids, /*skip_special=*/true);
  } catch (const Error& e) {
    // The logits row is often wider than the tokenizer (padded embedding rows): a sampled id
    // without text is skipped, as `tokenizers` does, instead of ending the generation.
    if (e.code() != ErrorCode::kInvalidArgument) throw;
  }
  std::vector<int32_t> known;
  for (int32_t id : ids) {
    try {
      session_->model()->detokenize(std::span<const int32_t>(&id, 1), true);
      known.push_back(id);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kInvalidArgument) throw;
    }
  }
  return session_->model()->detokenize(known, /*skip_special=*/true);
}

}  // namespace pio
