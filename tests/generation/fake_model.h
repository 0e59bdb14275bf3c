// A fake model for generation tests: a small vocabulary of text pieces (some of them halves of
// UTF-8 characters, as byte-level BPE produces) and a scripted "forward pass" whose logits put
// all mass on the next id of a script.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "pio/generation/evaluator.h"
#include "pio/sdk/error.h"

namespace pio::testing {

class FakeModel : public Evaluator {
 public:
  explicit FakeModel(std::vector<std::string> vocab) : vocab_(std::move(vocab)) {}

  // The ids the model will "predict": after the cache holds `offset` ids, the next logits put
  // all mass on script[cache_size - offset] (and on `fallback` past its end).
  void set_script(std::vector<int32_t> script, size_t offset, int32_t fallback) {
    script_ = std::move(script);
    offset_ = offset;
    fallback_ = fallback;
  }
  void set_context_length(size_t n) { context_ = n; }

  std::span<const int32_t> cached_tokens() const override { return cache_; }
  size_t context_length() const override { return context_; }
  size_t vocab_size() const override { return vocab_.size(); }

  void truncate(size_t n) override {
    if (n < cache_.size()) cache_.resize(n);
  }

  void evaluate(std::span<const int32_t> tokens, std::span<float> logits) override {
    if (context_ > 0 && cache_.size() + tokens.size() > context_)
      throw_error(ErrorCode::kContextOverflow, "fake: context full");
    cache_.insert(cache_.end(), tokens.begin(), tokens.end());
    evaluated_ += tokens.size();
    ++calls_;
    std::fill(logits.begin(), logits.end(), 0.0f);
    const size_t i = cache_.size() >= offset_ ? cache_.size() - offset_ : script_.size();
    logits[static_cast<size_t>(i < script_.size() ? script_[i] : fallback_)] = 20.0f;
  }

  std::string detokenize(std::span<const int32_t> ids) override {
    std::string text;
    for (int32_t id : ids) text += vocab_.at(static_cast<size_t>(id));
    return text;
  }

  size_t evaluated() const { return evaluated_; }
  size_t calls() const { return calls_; }

 private:
  std::vector<std::string> vocab_;
  std::vector<int32_t> cache_;
  std::vector<int32_t> script_;
  size_t offset_ = 0;
  int32_t fallback_ = 0;
  size_t context_ = 0;
  size_t evaluated_ = 0;
  size_t calls_ = 0;
};

}  // namespace pio::testing
