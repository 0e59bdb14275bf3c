// The BPE model of tokenizer.json ("model": {"type": "BPE", ...}) for byte-level vocabularies.
//
// Words arrive as raw UTF-8 bytes (the byte-level alphabet is undone at load time), start as one
// symbol per byte and are merged by rank exactly as `tokenizers`' Word::merge_all does: the
// adjacent pair with the lowest merge rank is merged first, the leftmost one among equal ranks.
// Results of words of 3..kMaxCachedWordBytes bytes are cached, since natural text repeats words a
// lot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pio::tokenizer_detail {

// Open-addressing hash map from a pair of token ids to (merge rank, merged id).
class MergeMap {
 public:
  struct Entry {
    uint64_t key;
    int32_t rank;
    int32_t merged_id;
  };

  void reserve(size_t n);
  // Inserts or overwrites (a later duplicate merge wins, as in `tokenizers`).
  void insert(int32_t left, int32_t right, int32_t rank, int32_t merged_id);
  const Entry* find(int32_t left, int32_t right) const noexcept;

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  static uint64_t key_of(int32_t l, int32_t r) noexcept {
    return (uint64_t{static_cast<uint32_t>(l)} << 32) | static_cast<uint32_t>(r);
  }
  size_t slot_of(uint64_t key) const noexcept {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  std::vector<Entry> slots_;
  unsigned shift_ = 64;
  size_t size_ = 0;
};

struct BpeMerge {
  int32_t left, right, merged;
};

struct BpeOptions {
  bool ignore_merges = false;     // a word that is itself in the vocabulary is one token
  std::optional<int32_t> unk_id;  // for bytes without a token; without it they are dropped
  bool fuse_unk = false;          // consecutive unknown bytes become one unk token
};

// Per-call working memory, reused across the words of one encode call.
struct BpeScratch {
  struct Symbol {
    int32_t id, prev, next, len;
  };
  struct Candidate {
    int32_t rank, pos, merged_id;
  };
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
};

class BpeModel {
 public:
  static constexpr size_t kMaxCachedWordBytes = 64;
  static constexpr size_t kCacheSlots = 1 << 15;

  // `byte_ids[b]` is the token of the single byte b, or -1. `merges` are in rank order.
  // `vocab_bytes` (only needed with ignore_merges) maps a token's raw bytes to its id.
  BpeModel(const std::vector<int32_t>& byte_ids, const std::vector<BpeMerge>& merges,
           BpeOptions options, std::unordered_map<std::string, int32_t> vocab_bytes);

  // Appends the tokens of `word` (raw bytes) to `out`. Thread-safe.
  void tokenize(std::string_view word, std::vector<int32_t>& out, BpeScratch& scratch) const;

 private:
  void merge_word(std::string_view word, std::vector<int32_t>& out, BpeScratch& scratch) const;

  int32_t byte_ids_[256];
  MergeMap merges_;
  BpeOptions options_;
  std::unordered_map<std::string, int32_t> vocab_bytes_;

  // Direct-mapped cache of merged words: slot = hash of the word; a new word replaces the old one.
  struct CacheSlot {
    uint64_t hash = 0;
    std::string word;
    std::vector<int32_t> ids;
  };
  mutable std::mutex cache_mutex_;
  mutable std::vector<CacheSlot> cache_;
};

}  // namespace pio::tokenizer_detail
