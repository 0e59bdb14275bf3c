// A compact string -> token id index over strings the caller owns (the vocabulary), used for
// the 150k-entry vocabularies of tokenizer.json: one flat array of (hash, id) slots, no
// per-entry allocation, and look-ups of a concatenation "left + right" without building it
// (what loading the merges needs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pio::tokenizer_detail {

// FNV-1a, streamable: fnv1a(b, fnv1a(a)) == fnv1a(a + b).
inline uint64_t fnv1a(std::string_view s, uint64_t h = 0xcbf29ce484222325ull) noexcept {
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return h;
}

class TokenIndex {
 public:
  // `keys[id]` is the spelling of token id; empty strings are holes and not indexed. The index
  // refers to `keys`, which must outlive it and not change. When two ids share a spelling the
  // later one wins.
  explicit TokenIndex(const std::vector<std::string>* keys = nullptr);

  // The id of `left + right` (right may be empty), or -1.
  int32_t find(std::string_view left, std::string_view right = {}) const noexcept;

 private:
  struct Slot {
    uint64_t hash;
    int32_t id;  // -1: empty
  };
  size_t slot_of(uint64_t hash) const noexcept {
    return static_cast<size_t>((hash * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  const std::vector<std::string>* keys_ = nullptr;
  std::vector<Slot> slots_;
  unsigned shift_ = 64;
};

}  // namespace pio::tokenizer_detail
