// The toy session: keeps the hash of the token history at every position, so logits depend on
// the whole history and truncate() can rewind exactly.
#include <chrono>
#include <thread>

#include "pio/sdk/error.h"
#include "pio/sdk/session.h"
#include "toy_model.h"

namespace pio::toy {
namespace {

class ToySession final : public sdk::Session {
 public:
  ToySession(int64_t context_length, int64_t eval_delay_ms, float logit_offset)
      : context_length_(context_length), eval_delay_ms_(eval_delay_ms), logit_offset_(logit_offset) {}

  void eval(const sdk::EvalRequest& request) override {
    if (static_cast<int64_t>(history_.size() + request.tokens.size()) > context_length_) {
      throw_error(ErrorCode::kContextOverflow, "toy: {} cached + {} new tokens exceed the context of {}",
                  history_.size(), request.tokens.size(), context_length_);
    }
    for (pio_token token : request.tokens) {
      if (token < 0 || token >= kVocabSize) {
        throw_error(ErrorCode::kInvalidArgument, "toy: token id {} outside the vocabulary of {}", token, kVocabSize);
      }
    }
    if (eval_delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(eval_delay_ms_));
    request.progress.throw_if_cancelled("toy eval");

    const size_t first_row = history_.size();
    for (pio_token token : request.tokens) {
      history_.push_back(extend_history(history_.empty() ? kHistorySeed : history_.back(), token));
    }
    auto write_row = [&](size_t row, size_t position) {
      float* out = request.logits.data() + row * kVocabSize;
      for (pio_token v = 0; v < kVocabSize; ++v) out[v] = toy_logit(history_[position], v, logit_offset_);
    };
    if (request.logits_mode == sdk::LogitsMode::kLast) {
      write_row(0, history_.size() - 1);
    } else if (request.logits_mode == sdk::LogitsMode::kAll) {
      for (size_t i = 0; i < request.tokens.size(); ++i) write_row(i, first_row + i);
    }
  }

  size_t length() const override { return history_.size(); }

  void truncate(size_t n_tokens) override { history_.resize(n_tokens); }

 private:
  int64_t context_length_;
  int64_t eval_delay_ms_;
  float logit_offset_;
  std::vector<uint64_t> history_;  // [length]: hash of tokens 0..i
};

}  // namespace

uint64_t extend_history(uint64_t history_hash, pio_token token) {
  // splitmix64 finaliser over (hash, token): cheap, and every bit depends on the whole history.
  uint64_t x = history_hash ^ (static_cast<uint64_t>(token) + 0x9E3779B97F4A7C15ull);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

float toy_logit(uint64_t history_hash, pio_token v, float offset) {
  const uint64_t mixed = extend_history(history_hash, v + static_cast<pio_token>(kVocabSize));
  // Top 24 bits -> [0, 1) exactly representable in float, then [-1, 1) + offset.
  const float unit = static_cast<float>(mixed >> 40) / static_cast<float>(1u << 24);
  return 2.0f * unit - 1.0f + offset;
}

std::unique_ptr<sdk::Session> ToyModel::create_session(const sdk::SessionOptions& options) const {
  return std::make_unique<ToySession>(options.context_length, config_.eval_delay_ms, logit_offset_);
}

}  // namespace pio::toy
