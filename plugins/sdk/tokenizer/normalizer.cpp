#include "normalizer.h"

#include <cstdlib>
#include <memory>

#include <utf8proc.h>

#include "pio/sdk/error.h"

namespace pio::tokenizer_detail {
namespace {

// Text whose code points are all below U+0300 (no lead byte >= 0xCC) is already in NFC: nothing
// there decomposes canonically into something that recomposes differently, and no combining
// mark follows. Pure ASCII is invariant under all four forms.
bool unchanged_by(Normalizer::Form form, std::string_view text) {
  const unsigned char limit = form == Normalizer::Form::kNfc ? 0xCC : 0x80;
  for (char c : text)
    if (static_cast<unsigned char>(c) >= limit) return false;
  return true;
}

int options_of(Normalizer::Form form) {
  switch (form) {
    case Normalizer::Form::kNfc: return UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    case Normalizer::Form::kNfd: return UTF8PROC_STABLE | UTF8PROC_DECOMPOSE;
    case Normalizer::Form::kNfkc: return UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
    case Normalizer::Form::kNfkd: return UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
  }
  return 0;
}

}  // namespace

void Normalizer::normalize(std::string_view text, std::string& out) const {
  out.assign(text);
  for (Form form : forms_) {
    if (out.empty() || unchanged_by(form, out)) continue;
    utf8proc_uint8_t* mapped = nullptr;
    const utf8proc_ssize_t n =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(out.data()),
                     static_cast<utf8proc_ssize_t>(out.size()), &mapped,
                     static_cast<utf8proc_option_t>(options_of(form)));
    std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
    if (n < 0) throw_error(ErrorCode::kInternal, "tokenizer: Unicode normalisation failed: {}", utf8proc_errmsg(n));
    out.assign(reinterpret_cast<const char*>(mapped), static_cast<size_t>(n));
  }
}

}  // namespace pio::tokenizer_detail
