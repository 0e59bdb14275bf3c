#include "normalizer.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

#include "code_range.h"
#include "pio/sdk/error.h"
#include "utf8.h"

namespace pio::tokenizer_detail {
namespace {

using Form = Normalizer::Form;

#include "normalizer_unicode_extras.inc"

// Text may be cut before a "cut point" and each piece normalised on its own: a cut point is a
// starter (canonical combining class 0) that is never the second element of a canonical
// composition, so nothing before it can reorder or compose across it. ASCII, CJK unified
// ideographs, precomposed Hangul syllables and the kana letters are such characters.
bool is_cut_point(char32_t c) {
  return c < 0x80 || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3) ||
         (c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FA);
}

// Where the Unicode data of `tokenizers`' normaliser is older than utf8proc's: characters it
// leaves unchanged under `form` ("opaque": copied as they are, with a cut on both sides) and,
// for the composing forms, characters before which it composes nothing (a cut before them).
bool is_opaque(char32_t c, Form form) {
  if (c < 0x3000) return false;
  switch (form) {
    case Form::kNfc:
      return in_ranges(c, kOpaqueNfc);
    case Form::kNfd:
      return in_ranges(c, kOpaqueNfd);
    case Form::kNfkc:
      return in_ranges(c, kOpaqueNfkc);
    case Form::kNfkd:
      return in_ranges(c, kOpaqueNfkd);
  }
  return false;
}
bool blocks_composition(char32_t c, Form form) {
  return (form == Form::kNfc || form == Form::kNfkc) && c >= 0x3000 &&
         in_ranges(c, kNoComposeBefore);
}

// Characters that the form leaves as they are, whatever follows them in their piece (a piece that
// also holds a non-inert character is normalised as a whole, so a base letter followed by a
// combining mark is still composed).
bool is_inert(char32_t c, Form form) {
  if (c < 0x80 || (c >= 0x4E00 && c <= 0x9FFF)) return true;
  switch (form) {
    case Form::kNfc:  // no character below U+0300 changes under NFC
      return c < 0x300 || (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x3041 && c <= 0x3096) ||
             (c >= 0x30A1 && c <= 0x30FA);
    case Form::kNfkc:
      return (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x3041 && c <= 0x3096) ||
             (c >= 0x30A1 && c <= 0x30FA);
    case Form::kNfd:
    case Form::kNfkd:
      return false;
  }
  return false;
}

int options_of(Form form) {
  switch (form) {
    case Form::kNfc:
      return UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    case Form::kNfd:
      return UTF8PROC_STABLE | UTF8PROC_DECOMPOSE;
    case Form::kNfkc:
      return UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
    case Form::kNfkd:
      return UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
  }
  return 0;
}

void append_normalized(std::string_view piece, Form form, std::string& out) {
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(piece.data()),
                                          static_cast<utf8proc_ssize_t>(piece.size()), &mapped,
                                          static_cast<utf8proc_option_t>(options_of(form)));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
  if (n < 0)
    throw_error(ErrorCode::kInternal, "tokenizer: Unicode normalisation failed: {}",
                utf8proc_errmsg(n));
  out.append(reinterpret_cast<const char*>(mapped), static_cast<size_t>(n));
}

// out = form(text): pieces without non-inert characters are copied, the others go to utf8proc.
void apply(Form form, std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size() + text.size() / 8);
  size_t copied = 0;  // text[0, copied) is in `out`
  size_t piece = 0;   // start of the current piece (the last cut point)
  bool dirty = false;
  bool after_opaque = false;
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    char32_t c = byte;
    size_t length = 1;
    if (byte >= 0x80) {
      const Utf8Step step = utf8_step(text.substr(i));
      c = step.code_point, length = step.length;
    }
    const bool opaque = length > 1 && is_opaque(c, form);
    const bool cut =
        is_cut_point(c) || after_opaque || opaque || (length > 1 && blocks_composition(c, form));
    if (i != piece && cut) {
      if (dirty) {
        out.append(text.substr(copied, piece - copied));
        append_normalized(text.substr(piece, i - piece), form, out);
        copied = i;
        dirty = false;
      }
      piece = i;
    }
    if (!opaque && !is_inert(c, form)) dirty = true;
    after_opaque = opaque;
    i += length;
  }
  if (dirty) {
    out.append(text.substr(copied, piece - copied));
    append_normalized(text.substr(piece), form, out);
  } else {
    out.append(text.substr(copied));
  }
}

}  // namespace

void Normalizer::normalize(std::string_view text, std::string& out) const {
  if (forms_.empty()) {
    out.assign(text);
    return;
  }
  apply(forms_[0], text, out);
  std::string previous;
  for (size_t k = 1; k < forms_.size(); ++k) {
    previous.swap(out);
    apply(forms_[k], previous, out);
  }
}

}  // namespace pio::tokenizer_detail
