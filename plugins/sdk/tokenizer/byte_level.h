// The GPT-2 byte <-> unicode alphabet of byte-level BPE.
//
// Byte-level tokenizers write every byte as one printable character: '!'..'~', '¡'..'¬' and
// '®'..'ÿ' stand for themselves, the other 68 bytes map to U+0100.. in byte order (so ' ' is
// 'Ġ' U+0120 and '\n' is 'Ċ' U+010A). The vocabulary and merges of tokenizer.json are spelled in
// this alphabet; the tokenizer turns them back into raw bytes once at load time and then runs BPE
// directly on the UTF-8 bytes of the text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pio::tokenizer_detail {

// The character (code point) that stands for byte `b`.
char32_t byte_to_unicode(unsigned char b) noexcept;

// The raw bytes a byte-level token spells, or nullopt when some character of `token` is not in
// the byte alphabet (such tokens decode to their own UTF-8, as the ByteLevel decoder does).
std::optional<std::string> byte_level_to_bytes(std::string_view token);

// The byte-level spelling of raw bytes (the inverse of byte_level_to_bytes).
std::string bytes_to_byte_level(std::string_view bytes);

}  // namespace pio::tokenizer_detail
