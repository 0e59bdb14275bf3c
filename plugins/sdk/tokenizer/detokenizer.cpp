#include "pio/sdk/detokenizer.h"

#include "utf8.h"

namespace pio {

IncrementalDetokenizer::IncrementalDetokenizer(const Tokenizer& tokenizer, bool skip_special_tokens)
    : tokenizer_(&tokenizer), skip_special_tokens_(skip_special_tokens) {}

std::string IncrementalDetokenizer::push(int32_t id) {
  if (skip_special_tokens_ && tokenizer_->is_special(id)) return {};
  pending_ += tokenizer_->token_bytes(id);
  const size_t final_bytes = tokenizer_detail::utf8_final_prefix(pending_);
  std::string text;
  if (final_bytes == 0) return text;
  const std::string_view ready(pending_.data(), final_bytes);
  if (tokenizer_detail::is_valid_utf8(ready)) {
    text.assign(ready);
  } else {
    tokenizer_detail::append_utf8_lossy(ready, text);
  }
  pending_.erase(0, final_bytes);
  return text;
}

std::string IncrementalDetokenizer::finish() {
  std::string text;
  tokenizer_detail::append_utf8_lossy(pending_, text);
  pending_.clear();
  return text;
}

}  // namespace pio
