// StopStringMatcher — finds stop strings in streamed text across token boundaries.
//
// Text arrives in arbitrary pieces (one token's worth of detokenised UTF-8 at a time). The
// matcher emits text as soon as it can no longer be part of a stop string and holds back the
// longest tail that is still a prefix of one. When a stop string completes, the text before it
// is emitted and the stop string itself never is (OpenAI semantics). The earliest match in the
// text wins; at the same position the longest stop string does.
//
// Thread-safety: one instance per generation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pio {

class StopStringMatcher {
 public:
  struct Result {
    std::string text;   // safe to emit now
    bool stopped = false;
    std::string stop;   // the stop string that matched, when stopped
  };

  // Empty strings in `stops` are ignored.
  explicit StopStringMatcher(std::vector<std::string> stops = {});

  // Appends `piece`; returns what may be emitted. After a stop, further calls return nothing.
  Result push(std::string_view piece);

  // End of generation: releases the held-back tail (no stop string completed in it).
  std::string flush();

  bool stopped() const { return stopped_; }
  // Bytes currently held back (a proper prefix of some stop string).
  size_t held_bytes() const { return pending_.size(); }

 private:
  std::vector<std::string> stops_;
  size_t longest_ = 0;
  std::string pending_;
  bool stopped_ = false;
};

}  // namespace pio
