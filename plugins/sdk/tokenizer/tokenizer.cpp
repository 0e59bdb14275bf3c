#include "pio/sdk/tokenizer.h"

#include "tokenizer_impl.h"
#include "utf8.h"

namespace pio {

using tokenizer_detail::AddedSegment;

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

void Tokenizer::Impl::encode_text(std::string_view text, bool parse_special,
                                  std::vector<int32_t>& out) const {
  tokenizer_detail::BpeScratch scratch;
  const auto sink = [&](std::string_view word) { model->tokenize(word, out, scratch); };

  // Normalised pieces between raw added tokens, then normalised added tokens, then words.
  std::string normalized;
  std::vector<AddedSegment> inner;
  auto encode_piece = [&](std::string_view piece) {
    std::string_view norm = piece;
    if (!normalizer.is_identity()) {
      normalizer.normalize(piece, normalized);
      norm = normalized;
    }
    if (normalized_added.empty()) {
      pre_tokenizer.split(norm, sink);
      return;
    }
    normalized_added.split(norm, added, parse_special, inner);
    for (const AddedSegment& s : inner) {
      if (s.token >= 0) {
        out.push_back(added[static_cast<size_t>(s.token)].id);
      } else {
        pre_tokenizer.split(norm.substr(s.begin, s.end - s.begin), sink);
      }
    }
  };

  if (raw_added.empty()) {
    encode_piece(text);
    return;
  }
  std::vector<AddedSegment> segments;
  raw_added.split(text, added, parse_special, segments);
  for (const AddedSegment& s : segments) {
    if (s.token >= 0) {
      out.push_back(added[static_cast<size_t>(s.token)].id);
    } else {
      encode_piece(text.substr(s.begin, s.end - s.begin));
    }
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  std::string repaired;
  if (!tokenizer_detail::is_valid_utf8(text)) {
    tokenizer_detail::append_utf8_lossy(text, repaired);
    text = repaired;
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  if (!options.add_special_tokens || impl_->post_template.empty()) {
    impl_->encode_text(text, options.parse_special_tokens, ids);
    return ids;
  }
  std::vector<int32_t> body;
  impl_->encode_text(text, options.parse_special_tokens, body);
  for (int32_t id : impl_->post_template) {
    if (id == Impl::kSequenceSlot) {
      ids.insert(ids.end(), body.begin(), body.end());
    } else {
      ids.push_back(id);
    }
  }
  return ids;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  std::string bytes;
  for (int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= impl_->known.size() ||
        !impl_->known[static_cast<size_t>(id)])
      continue;
    if (skip_special_tokens && impl_->special[static_cast<size_t>(id)]) continue;
    bytes += impl_->id_to_bytes[static_cast<size_t>(id)];
  }
  if (tokenizer_detail::is_valid_utf8(bytes)) return bytes;
  std::string text;
  text.reserve(bytes.size() + 8);
  tokenizer_detail::append_utf8_lossy(bytes, text);
  return text;
}

std::string_view Tokenizer::token_bytes(int32_t id) const noexcept {
  if (id < 0 || static_cast<size_t>(id) >= impl_->known.size()) return {};
  return impl_->id_to_bytes[static_cast<size_t>(id)];
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (auto it = impl_->added_ids.find(std::string(token)); it != impl_->added_ids.end())
    return it->second;
  const int32_t id = impl_->vocab_index.find(token);
  if (id < 0) return std::nullopt;
  return id;
}

std::optional<std::string_view> Tokenizer::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->known.size() ||
      !impl_->known[static_cast<size_t>(id)])
    return std::nullopt;
  if (impl_->is_added[static_cast<size_t>(id)])
    return std::string_view(impl_->added_spelling.at(id));
  return std::string_view(impl_->vocab[static_cast<size_t>(id)]);
}

int32_t Tokenizer::vocab_size() const noexcept { return static_cast<int32_t>(impl_->known.size()); }

bool Tokenizer::is_special(int32_t id) const noexcept {
  return id >= 0 && static_cast<size_t>(id) < impl_->special.size() &&
         impl_->special[static_cast<size_t>(id)];
}

const std::vector<AddedTokenInfo>& Tokenizer::added_tokens() const noexcept { return impl_->added; }

std::optional<int32_t> Tokenizer::eos_token_id() const noexcept { return impl_->eos; }
std::optional<int32_t> Tokenizer::bos_token_id() const noexcept { return impl_->bos; }
std::optional<int32_t> Tokenizer::pad_token_id() const noexcept { return impl_->pad; }
std::optional<int32_t> Tokenizer::unk_token_id() const noexcept { return impl_->unk; }

}  // namespace pio
