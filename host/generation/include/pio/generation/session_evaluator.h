// SessionEvaluator — binds the generation loop (Evaluator) to a host::Session of a loaded model.
//
// The ABI reports only a session's length, so this adapter keeps the ids it appended, which is
// what prompt reuse compares against. Use one SessionEvaluator per session for the session's
// whole life (pio chat keeps one across turns; the server one per pooled session).
//
// Thread-safety: one thread at a time, like the session.
#pragma once

#include <memory>
#include <vector>

#include "pio/generation/evaluator.h"
#include "pio/host/model.h"
#include "pio/host/session.h"

namespace pio {

class SessionEvaluator : public Evaluator {
 public:
  // `session` must be empty (length 0) or `known_tokens` must be what it holds.
  // `context_length` (0 = unknown) comes from the model's describe JSON or the session options.
  // `progress` (optional, borrowed; must outlive this object) is passed to every eval, for
  // cancellation of long prefills.
  SessionEvaluator(std::shared_ptr<host::Session> session, size_t context_length,
                   std::vector<int32_t> known_tokens = {}, const host::Progress* progress = nullptr);

  std::span<const int32_t> cached_tokens() const override { return tokens_; }
  size_t context_length() const override { return context_length_; }
  size_t vocab_size() const override { return session_->model()->vocab_size(); }
  void truncate(size_t n_tokens) override;
  // After a failed eval whose effect on the cache is unspecified (ABI: any error but
  // kInvalidArgument / kContextOverflow), the session is cut back to the ids known before the
  // call (or emptied) so that the next call starts from a known state; the error propagates.
  void evaluate(std::span<const int32_t> tokens, std::span<float> logits) override;
  // Special tokens are skipped (the answer text never shows <|im_end|> and friends), and so
  // are ids the tokenizer rejects as outside its vocabulary (logits rows are often wider).
  std::string detokenize(std::span<const int32_t> ids) override;

  const std::shared_ptr<host::Session>& session() const { return session_; }

 private:
  std::shared_ptr<host::Session> session_;
  size_t context_length_;
  std::vector<int32_t> tokens_;
  const host::Progress* progress_;
};

}  // namespace pio
