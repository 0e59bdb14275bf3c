// pio::Tokenizer — the Hugging Face tokenizer.json byte-level BPE tokenizer (Qwen2/3, GPT-2,
// Llama-3, GLM-4 style), identical in its ids to the `tokenizers` library.
//
// Pipeline of encode(), each stage read from tokenizer.json rather than assumed:
//   1. invalid UTF-8 in the input is replaced with U+FFFD (maximal subparts, like Python's
//      bytes.decode("utf-8", "replace")), so encode(bytes) == tokenizers.encode(that string);
//   2. added tokens with normalized=false are split out of the raw text (leftmost, longest
//      match; lstrip / rstrip / single_word honoured; special ones only if parse_special_tokens);
//   3. the normalizer (NFC, NFD, NFKC, NFKD or a Sequence of them; utf8proc) runs on the rest,
//      then added tokens with normalized=true are split out of the normalised text;
//   4. the pre_tokenizer (Split with the file's regex via PCRE2, ByteLevel, Sequence) cuts words;
//   5. each word's UTF-8 bytes are merged by BPE rank (model type "BPE");
//   6. the post_processor (ByteLevel: nothing; TemplateProcessing: its "single" template, e.g.
//      a BOS token) runs when add_special_tokens.
// decode() maps ids to bytes through the byte-level alphabet (an added token whose text is not
// in that alphabet contributes its own UTF-8, as the ByteLevel decoder does) and replaces invalid
// UTF-8 with U+FFFD like errors="replace". Unknown ids are skipped, as in `tokenizers`. An added
// token with normalized=true decodes in its normalised spelling (as `tokenizers` >= 0.22 does).
//
// Where PCRE2 (Unicode 14 on Debian 12) and utf8proc (Unicode 15) disagree with the Unicode data
// inside `tokenizers` 0.23 (Oniguruma: Unicode 16; its normaliser: older), generated tables make
// the tokenizer follow `tokenizers`; tests/fixtures/tokenizer/qwen3_all_code_points.json checks
// every code point. Not covered: the "single_word" flag approximates Unicode Alphabetic by the
// letter categories, and patterns' other properties (\p{Lu}, \p{M}, ...) use PCRE2's tables.
//
// Anything else in the file (a WordPiece/Unigram model, an unknown normalizer, pre-tokenizer,
// decoder or post-processor type, BPE dropout, subword prefixes, byte_fallback) is rejected at
// load time with pio::Error(kUnsupported) naming the file and the construct.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pio {

// One entry of tokenizer.json's "added_tokens".
struct AddedTokenInfo {
  int32_t id = 0;
  std::string content;
  bool special = false;      // dropped by decode(skip_special_tokens = true)
  bool single_word = false;  // only matches when not inside a word
  bool lstrip = false;       // also swallows the whitespace before it
  bool rstrip = false;       // also swallows the whitespace after it
  bool normalized = false;   // matched in the normalised text instead of the raw text
};

struct EncodeOptions {
  // Apply the post-processor template (BOS/EOS of tokenizers that add them; nothing for Qwen).
  // Same meaning as `tokenizers`' add_special_tokens.
  bool add_special_tokens = true;
  // Recognise special added tokens (e.g. "<|im_start|>") written in the text. False treats their
  // text as ordinary characters (`tokenizers`' encode_special_tokens / split_special_tokens);
  // non-special added tokens (e.g. "<think>") are still recognised, as in `tokenizers`.
  bool parse_special_tokens = true;
};

class Tokenizer {
 public:
  // Loads `tokenizer_json` and, when the path is non-empty and the file exists, the special
  // token names (eos/bos/pad/unk) of `tokenizer_config_json`.
  // Errors: kIo (missing/unreadable file), kBadFormat (malformed JSON, wrong field types, merges
  // naming tokens that are not in the vocabulary, duplicate or negative ids, bad regex),
  // kUnsupported (a construct listed above). Every message names the file and the field.
  static Tokenizer from_file(const std::filesystem::path& tokenizer_json,
                             const std::filesystem::path& tokenizer_config_json = {});

  // Loads <dir>/tokenizer.json and, if present, <dir>/tokenizer_config.json. Errors as from_file.
  static Tokenizer from_directory(const std::filesystem::path& dir);

  // Parses tokenizer.json (and optionally tokenizer_config.json) contents held in memory;
  // `source_name` stands for the file name in error messages. Errors as from_file.
  static Tokenizer from_json(std::string_view tokenizer_json, std::string_view source_name,
                             std::string_view tokenizer_config_json = {});

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // The token ids of `text` (any bytes; see step 1 above). Thread-safe: a Tokenizer may be shared
  // by threads (an internal word cache is guarded by a mutex). Any input bytes are accepted; the
  // only errors are std::bad_alloc and pio::Error(kInternal) should PCRE2 exceed its match
  // limits (runs of a million identical characters stay well inside them).
  std::vector<int32_t> encode(std::string_view text, const EncodeOptions& options = {}) const;

  // The text of `ids`. With skip_special_tokens, added tokens marked special are left out (Qwen's
  // <think>, <tool_call> are not special and stay). Ids outside the vocabulary are skipped.
  // Always valid UTF-8. Thread-safe.
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens = false) const;

  // The raw bytes that token `id` decodes to (possibly a partial UTF-8 character), or an empty
  // view for an unknown id. The view lives as long as the Tokenizer.
  std::string_view token_bytes(int32_t id) const noexcept;

  // Vocabulary look-ups in the file's own spelling (byte-level alphabet, e.g. "Ġworld" for
  // " world"; added tokens as written, e.g. "<|im_end|>"). nullopt when absent.
  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string_view> id_to_token(int32_t id) const;

  // 1 + the largest id of the model vocabulary and the added tokens (151669 for Qwen3; the
  // model's embedding table may be larger).
  int32_t vocab_size() const noexcept;

  // True for added tokens marked special (the ones skip_special_tokens drops).
  bool is_special(int32_t id) const noexcept;

  // The added tokens, in the file's order.
  const std::vector<AddedTokenInfo>& added_tokens() const noexcept;

  // Ids of the special tokens named in tokenizer_config.json (eos_token, bos_token, pad_token,
  // unk_token); nullopt when not configured or not in the vocabulary. Qwen3: eos = <|im_end|>
  // 151645, pad = <|endoftext|> 151643, no bos.
  std::optional<int32_t> eos_token_id() const noexcept;
  std::optional<int32_t> bos_token_id() const noexcept;
  std::optional<int32_t> pad_token_id() const noexcept;
  std::optional<int32_t> unk_token_id() const noexcept;

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pio
