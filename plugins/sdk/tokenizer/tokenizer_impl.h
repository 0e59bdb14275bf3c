// The state behind pio::Tokenizer (internal). Built once by the loader (tokenizer_load.cpp),
// read-only afterwards except for the BPE word cache, which guards itself. Held by unique_ptr:
// vocab_index points into `vocab`, so an Impl never moves.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "added_tokens.h"
#include "bpe_model.h"
#include "normalizer.h"
#include "pio/sdk/tokenizer.h"
#include "pre_tokenizer.h"
#include "token_index.h"

namespace pio {

struct Tokenizer::Impl {
  std::string source;  // file name, for messages

  // Indexed by id, size vocab_size. An id that is neither in the model vocabulary nor an added
  // token has known[id] == 0.
  std::vector<std::string> vocab;        // model vocabulary in the file's spelling ("" elsewhere)
  std::vector<std::string> id_to_bytes;  // what the byte-level decoder makes of each id
  std::vector<uint8_t> known;
  std::vector<uint8_t> special;
  std::vector<uint8_t> is_added;
  tokenizer_detail::TokenIndex vocab_index;                 // over `vocab`
  std::unordered_map<std::string, int32_t> added_ids;       // added token content -> id
  std::unordered_map<int32_t, std::string> added_spelling;  // id -> what id_to_token shows

  std::vector<AddedTokenInfo> added;
  tokenizer_detail::AddedTokenMatcher raw_added;         // normalized == false
  tokenizer_detail::AddedTokenMatcher normalized_added;  // normalized == true
  tokenizer_detail::Normalizer normalizer;
  tokenizer_detail::PreTokenizer pre_tokenizer;
  std::unique_ptr<tokenizer_detail::BpeModel> model;

  // Post-processor "single" template: ids, with kSequenceSlot where the encoded text goes.
  static constexpr int32_t kSequenceSlot = -1;
  std::vector<int32_t> post_template;  // empty: no post-processing

  std::optional<int32_t> eos, bos, pad, unk;

  void encode_text(std::string_view text, bool parse_special, std::vector<int32_t>& out) const;
};

}  // namespace pio
