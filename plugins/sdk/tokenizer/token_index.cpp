#include "token_index.h"

#include <algorithm>
#include <bit>

namespace pio::tokenizer_detail {

TokenIndex::TokenIndex(const std::vector<std::string>* keys) : keys_(keys) {
  if (!keys_) return;
  const size_t capacity = std::bit_ceil(std::max<size_t>(16, keys_->size() * 2));
  shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
  slots_.assign(capacity, Slot{0, -1});
  const size_t mask = capacity - 1;
  for (size_t id = 0; id < keys_->size(); ++id) {
    const std::string& key = (*keys_)[id];
    if (key.empty()) continue;
    const uint64_t hash = fnv1a(key);
    for (size_t i = slot_of(hash);; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.id < 0) {
        slot = Slot{hash, static_cast<int32_t>(id)};
        break;
      }
      if (slot.hash == hash && (*keys_)[static_cast<size_t>(slot.id)] == key) {
        slot.id = static_cast<int32_t>(id);
        break;
      }
    }
  }
}

int32_t TokenIndex::find(std::string_view left, std::string_view right) const noexcept {
  if (slots_.empty()) return -1;
  const uint64_t hash = fnv1a(right, fnv1a(left));
  const size_t mask = slots_.size() - 1;
  const size_t length = left.size() + right.size();
  for (size_t i = slot_of(hash);; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.id < 0) return -1;
    if (slot.hash != hash) continue;
    const std::string& key = (*keys_)[static_cast<size_t>(slot.id)];
    if (key.size() == length && key.compare(0, left.size(), left) == 0 &&
        key.compare(left.size(), right.size(), right) == 0)
      return slot.id;
  }
}

}  // namespace pio::tokenizer_detail
