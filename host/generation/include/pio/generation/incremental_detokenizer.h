// IncrementalDetokenizer — turns a growing list of generated ids into text deltas that never
// contain half a UTF-8 character.
//
// It decodes a short window of ids with the model's detokenize function (the plugin's, through
// the ABI) and emits only the part of the text that is complete: a trailing incomplete UTF-8
// sequence, or trailing U+FFFD (what byte-level decoders print for an unfinished multi-byte
// character), is held back until later tokens finish it or flush() gives up on it. The window
// starts a few tokens back (the vLLM prefix/read-offset scheme), so decoders whose output for a
// token depends on its left neighbour (SentencePiece spaces) stay correct while each step
// decodes only a handful of ids, not the whole output.
//
// Thread-safety: one instance per generation.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace pio {

class IncrementalDetokenizer {
 public:
  // Decodes ids to UTF-8 text (may end in an incomplete sequence or U+FFFD). May throw.
  using DetokenizeFn = std::function<std::string(std::span<const int32_t>)>;

  // `context`: the last few prompt ids (at most 5 are used). They are decoded as left context of
  // the first generated ids, never emitted, so a decoder that treats the start of a text
  // specially (SentencePiece drops a leading space) renders the first token as it would inside
  // the whole sequence.
  explicit IncrementalDetokenizer(DetokenizeFn detokenize, std::span<const int32_t> context = {});

  // Appends one id; returns the newly completed text (possibly empty).
  std::string push(int32_t id);

  // End of generation: returns whatever is still held back, as the decoder renders it.
  std::string flush();

  // The generated ids pushed so far (context excluded).
  std::span<const int32_t> ids() const { return std::span<const int32_t>(ids_).subspan(context_); }

 private:
  DetokenizeFn detokenize_;
  std::vector<int32_t> ids_;  // context ids, then generated ids
  size_t context_ = 0;
  size_t prefix_offset_ = 0;  // window start: decoded only to measure the already emitted text
  size_t read_offset_ = 0;    // ids before this are emitted
};

// Number of bytes at the end of `text` that form an incomplete UTF-8 sequence (0..3).
size_t incomplete_utf8_tail(std::string_view text);

}  // namespace pio
