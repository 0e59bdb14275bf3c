// pio::IncrementalDetokenizer — streaming text for generated tokens.
//
// Feed ids one at a time; each call returns the text that is now final. A UTF-8 character split
// across tokens (emoji, CJK in byte-level vocabularies) is held back until its last byte
// arrives, so the output never contains half a character; bytes that can no longer become a
// valid character come out as U+FFFD at once. The concatenation of every push() and finish() is
// byte-identical to Tokenizer::decode(all ids, skip_special_tokens).
#pragma once

#include <cstdint>
#include <string>

#include "pio/sdk/tokenizer.h"

namespace pio {

class IncrementalDetokenizer {
 public:
  // `tokenizer` is borrowed: it must outlive this object and stay at the same address (not be
  // moved from). Not thread-safe: one detokenizer per stream.
  explicit IncrementalDetokenizer(const Tokenizer& tokenizer, bool skip_special_tokens = false);

  // Adds token `id` and returns the text completed by it (often empty). Unknown ids add nothing.
  std::string push(int32_t id);

  // Ends the stream: returns the held-back bytes, an unfinished character as U+FFFD.
  // The detokenizer is then empty and may start a new stream.
  std::string finish();

  // Drops held-back bytes without emitting them.
  void reset() noexcept { pending_.clear(); }

  // Number of bytes held back (0..3).
  size_t pending_bytes() const noexcept { return pending_.size(); }

 private:
  const Tokenizer* tokenizer_;
  bool skip_special_tokens_;
  std::string pending_;
};

}  // namespace pio
