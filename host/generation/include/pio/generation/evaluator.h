// Evaluator — what the generation loop needs from a model session, and nothing more.
//
// The loop (generator.h) runs over this interface so that it can be tested with a fake and bound
// to the host's Session wrapper (plugin ABI: session_eval / session_truncate / detokenize) by a
// small adapter. Implementations keep the list of tokens in their cache, because the ABI only
// reports a length and prompt reuse needs the ids.
//
// Errors: every member may throw pio::Error (kContextOverflow, kUnsupported, kCancelled, ...).
// Thread-safety: one thread at a time, like the session it wraps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace pio {

class Evaluator {
 public:
  virtual ~Evaluator() = default;

  // The ids held in the cache, in order (what evaluate() appended minus what truncate() cut).
  // Valid until the next evaluate()/truncate().
  virtual std::span<const int32_t> cached_tokens() const = 0;

  // Maximum positions the cache holds; 0 = no known limit.
  virtual size_t context_length() const = 0;

  // Width of a logits row.
  virtual size_t vocab_size() const = 0;

  // Drops cached positions from n_tokens on (n_tokens >= length is a no-op). Throws
  // pio::Error kUnsupported when the state cannot be rewound that far, leaving it unchanged.
  virtual void truncate(size_t n_tokens) = 0;

  // Appends `tokens` (non-empty) to the cache and writes the logits of the position after the
  // last of them into `logits` ([vocab_size()], caller-owned).
  virtual void evaluate(std::span<const int32_t> tokens, std::span<float> logits) = 0;

  // Text of `ids` (special tokens omitted); may end inside a UTF-8 character.
  virtual std::string detokenize(std::span<const int32_t> ids) = 0;
};

}  // namespace pio
