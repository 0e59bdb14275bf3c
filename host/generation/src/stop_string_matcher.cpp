#include "pio/generation/stop_string_matcher.h"

#include <algorithm>

namespace pio {

StopStringMatcher::StopStringMatcher(std::vector<std::string> stops) {
  for (std::string& s : stops)
    if (!s.empty()) stops_.push_back(std::move(s));
  for (const std::string& s : stops_) longest_ = std::max(longest_, s.size());
}

StopStringMatcher::Result StopStringMatcher::push(std::string_view piece) {
  Result result;
  if (stopped_) return result;
  pending_.append(piece);
  if (stops_.empty()) {
    result.text.swap(pending_);
    return result;
  }

  // Earliest complete match; pending_ never holds a complete stop string from before (it
  // would have matched then), so searching the whole buffer is correct.
  size_t best_pos = std::string::npos;
  const std::string* best = nullptr;
  for (const std::string& s : stops_) {
    const size_t pos = pending_.find(s);
    if (pos == std::string::npos) continue;
    if (pos < best_pos || (pos == best_pos && s.size() > best->size())) {
      best_pos = pos;
      best = &s;
    }
  }
  if (best) {
    result.text = pending_.substr(0, best_pos);
    result.stopped = true;
    result.stop = *best;
    pending_.clear();
    stopped_ = true;
    return result;
  }

  // Hold back the longest tail that is a proper prefix of a stop string.
  size_t hold = 0;
  const size_t max_tail = std::min(pending_.size(), longest_ - 1);
  for (size_t len = max_tail; len > 0 && hold == 0; --len) {
    const std::string_view tail(pending_.data() + pending_.size() - len, len);
    for (const std::string& s : stops_) {
      if (s.size() > len && std::string_view(s).substr(0, len) == tail) {
        hold = len;
        break;
      }
    }
  }
  result.text = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return result;
}

std::string StopStringMatcher::flush() {
  std::string out;
  if (!stopped_) out.swap(pending_);
  return out;
}

}  // namespace pio
