// Unicode normalisation of tokenizer.json's "normalizer" (NFC, NFD, NFKC, NFKD, Sequence of those),
// implemented with utf8proc.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pio::tokenizer_detail {

class Normalizer {
 public:
  enum class Form { kNfc, kNfd, kNfkc, kNfkd };

  // An empty list of forms is the identity (tokenizer.json "normalizer": null).
  explicit Normalizer(std::vector<Form> forms = {}) : forms_(std::move(forms)) {}

  bool is_identity() const noexcept { return forms_.empty(); }

  // Writes the normalised form of `text` (valid UTF-8) to `out` (replacing its contents).
  // Throws pio::Error(kInternal) if utf8proc fails, which valid UTF-8 never makes it do.
  void normalize(std::string_view text, std::string& out) const;

 private:
  std::vector<Form> forms_;
};

}  // namespace pio::tokenizer_detail
