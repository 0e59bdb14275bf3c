#include "bpe_model.h"

#include <algorithm>
#include <bit>

#include "token_index.h"

namespace pio::tokenizer_detail {

void MergeMap::reserve(size_t n) {
  size_t capacity = std::bit_ceil(std::max<size_t>(16, n * 2));
  shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
  slots_.assign(capacity, Entry{kEmpty, 0, 0});
  size_ = 0;
}

void MergeMap::insert(int32_t left, int32_t right, int32_t rank, int32_t merged_id) {
  if ((size_ + 1) * 2 > slots_.size()) {
    std::vector<Entry> old = std::move(slots_);
    reserve(std::max<size_t>(old.size(), size_ * 2 + 2));
    for (const Entry& e : old)
      if (e.key != kEmpty)
        insert(static_cast<int32_t>(e.key >> 32), static_cast<int32_t>(e.key & 0xFFFFFFFFu), e.rank,
               e.merged_id);
  }
  const uint64_t key = key_of(left, right);
  const size_t mask = slots_.size() - 1;
  for (size_t i = slot_of(key);; i = (i + 1) & mask) {
    if (slots_[i].key == key) {
      slots_[i].rank = rank, slots_[i].merged_id = merged_id;
      return;
    }
    if (slots_[i].key == kEmpty) {
      slots_[i] = Entry{key, rank, merged_id};
      ++size_;
      return;
    }
  }
}

const MergeMap::Entry* MergeMap::find(int32_t left, int32_t right) const noexcept {
  if (slots_.empty()) return nullptr;
  const uint64_t key = key_of(left, right);
  const size_t mask = slots_.size() - 1;
  for (size_t i = slot_of(key);; i = (i + 1) & mask) {
    if (slots_[i].key == key) return &slots_[i];
    if (slots_[i].key == kEmpty) return nullptr;
  }
}

BpeModel::BpeModel(const std::vector<int32_t>& byte_ids, const std::vector<BpeMerge>& merges,
                   BpeOptions options, std::unordered_map<std::string, int32_t> vocab_bytes)
    : options_(options), vocab_bytes_(std::move(vocab_bytes)), cache_(kCacheSlots) {
  for (int b = 0; b < 256; ++b) byte_ids_[b] = byte_ids[static_cast<size_t>(b)];
  merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank)
    merges_.insert(merges[rank].left, merges[rank].right, static_cast<int32_t>(rank),
                   merges[rank].merged);
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& out,
                        BpeScratch& scratch) const {
  if (word.empty()) return;
  if (options_.ignore_merges) {
    auto it = vocab_bytes_.find(std::string(word));
    if (it != vocab_bytes_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  if (word.size() == 1 && byte_ids_[static_cast<unsigned char>(word[0])] >= 0) {
    out.push_back(byte_ids_[static_cast<unsigned char>(word[0])]);
    return;
  }
  if (word.size() < 3 || word.size() > kMaxCachedWordBytes) {
    merge_word(word, out, scratch);
    return;
  }
  const uint64_t hash = fnv1a(word);
  CacheSlot& slot = cache_[static_cast<size_t>((hash * 0x9E3779B97F4A7C15ull) >> (64 - 15))];
  static_assert(kCacheSlots == size_t{1} << 15);
  {
    std::lock_guard lock(cache_mutex_);
    if (slot.hash == hash && slot.word == word) {
      out.insert(out.end(), slot.ids.begin(), slot.ids.end());
      return;
    }
  }
  const size_t first = out.size();
  merge_word(word, out, scratch);
  std::lock_guard lock(cache_mutex_);
  slot.hash = hash;
  slot.word.assign(word);
  slot.ids.assign(out.begin() + static_cast<ptrdiff_t>(first), out.end());
}

void BpeModel::merge_word(std::string_view word, std::vector<int32_t>& out,
                          BpeScratch& scratch) const {
  using Symbol = BpeScratch::Symbol;
  using Candidate = BpeScratch::Candidate;
  auto& symbols = scratch.symbols;
  symbols.clear();

  // One symbol per byte; bytes without a token become unk (fused or not) or are dropped.
  std::optional<Symbol> pending_unk;
  auto add = [&symbols](int32_t id, int32_t len) {
    const auto n = static_cast<int32_t>(symbols.size());
    symbols.push_back(Symbol{id, n - 1, n + 1, len});
  };
  for (char c : word) {
    const int32_t id = byte_ids_[static_cast<unsigned char>(c)];
    if (id >= 0) {
      if (pending_unk) add(pending_unk->id, pending_unk->len), pending_unk.reset();
      add(id, 1);
    } else if (options_.unk_id) {
      if (pending_unk && options_.fuse_unk) {
        pending_unk->len += 1;
      } else {
        if (pending_unk) add(pending_unk->id, pending_unk->len);
        pending_unk = Symbol{*options_.unk_id, 0, 0, 1};
      }
    }
  }
  if (pending_unk) add(pending_unk->id, pending_unk->len);
  if (symbols.empty()) return;
  symbols.back().next = -1;

  // Lowest rank first, then leftmost position (the order of `tokenizers`' Merge).
  auto after = [](const Candidate& a, const Candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  };
  auto& heap = scratch.heap;
  heap.clear();
  for (size_t i = 0; i + 1 < symbols.size(); ++i) {
    if (const MergeMap::Entry* m = merges_.find(symbols[i].id, symbols[i + 1].id))
      heap.push_back(Candidate{m->rank, static_cast<int32_t>(i), m->merged_id});
  }
  std::make_heap(heap.begin(), heap.end(), after);
  auto push = [&](int32_t pos, const MergeMap::Entry* m) {
    heap.push_back(Candidate{m->rank, pos, m->merged_id});
    std::push_heap(heap.begin(), heap.end(), after);
  };

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), after);
    const Candidate top = heap.back();
    heap.pop_back();
    Symbol& left = symbols[static_cast<size_t>(top.pos)];
    if (left.len == 0 || left.next < 0) continue;
    const int32_t right_pos = left.next;
    const Symbol right = symbols[static_cast<size_t>(right_pos)];
    // Skip candidates made stale by an earlier merge.
    const MergeMap::Entry* current = merges_.find(left.id, right.id);
    if (current == nullptr || current->merged_id != top.merged_id) continue;

    left.id = top.merged_id;
    left.len += right.len;
    left.next = right.next;
    symbols[static_cast<size_t>(right_pos)].len = 0;
    if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = top.pos;

    if (left.prev >= 0) {
      if (const MergeMap::Entry* m =
              merges_.find(symbols[static_cast<size_t>(left.prev)].id, left.id))
        push(left.prev, m);
    }
    if (left.next >= 0) {
      if (const MergeMap::Entry* m =
              merges_.find(left.id, symbols[static_cast<size_t>(left.next)].id))
        push(top.pos, m);
    }
  }
  for (const Symbol& s : symbols)
    if (s.len != 0) out.push_back(s.id);
}

}  // namespace pio::tokenizer_detail
