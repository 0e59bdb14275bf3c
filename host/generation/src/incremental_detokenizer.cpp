#include "pio/generation/incremental_detokenizer.h"

#include <string_view>

namespace pio {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// How many ids before the first unemitted one the window keeps as left context.
constexpr size_t kContextIds = 5;

}  // namespace

size_t incomplete_utf8_tail(std::string_view text) {
  // Walk back over at most 3 continuation bytes to the lead byte and compare the sequence
  // length it announces with the bytes present.
  const size_t n = text.size();
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(text[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    size_t need = 1;
    if ((c & 0xE0) == 0xC0) need = 2;
    else if ((c & 0xF0) == 0xE0) need = 3;
    else if ((c & 0xF8) == 0xF0) need = 4;
    return need > back ? back : 0;
  }
  return 0;  // only continuation bytes: invalid, not incomplete; let it through
}

IncrementalDetokenizer::IncrementalDetokenizer(DetokenizeFn detokenize, std::span<const int32_t> context)
    : detokenize_(std::move(detokenize)) {
  context = context.subspan(context.size() > kContextIds ? context.size() - kContextIds : 0);
  ids_.assign(context.begin(), context.end());
  context_ = ids_.size();
  read_offset_ = context_;
}

std::string IncrementalDetokenizer::push(int32_t id) {
  ids_.push_back(id);
  const std::span<const int32_t> all(ids_);
  const std::string prefix_text =
      detokenize_(all.subspan(prefix_offset_, read_offset_ - prefix_offset_));
  const std::string new_text = detokenize_(all.subspan(prefix_offset_));
  // Anything unfinished at the end (an incomplete sequence, U+FFFD): emit nothing yet and keep
  // the window, so the next decode re-reads these ids with their continuation.
  if (incomplete_utf8_tail(new_text) > 0 || std::string_view(new_text).ends_with(kReplacement))
    return {};
  if (new_text.size() <= prefix_text.size()) return {};
  std::string delta = new_text.substr(prefix_text.size());
  read_offset_ = ids_.size();
  prefix_offset_ = read_offset_ > kContextIds ? read_offset_ - kContextIds : 0;
  return delta;
}

std::string IncrementalDetokenizer::flush() {
  const std::span<const int32_t> all(ids_);
  const std::string prefix_text =
      detokenize_(all.subspan(prefix_offset_, read_offset_ - prefix_offset_));
  const std::string new_text = detokenize_(all.subspan(prefix_offset_));
  read_offset_ = ids_.size();
  prefix_offset_ = read_offset_;
  if (new_text.size() <= prefix_text.size()) return {};
  return new_text.substr(prefix_text.size());
}

}  // namespace pio
