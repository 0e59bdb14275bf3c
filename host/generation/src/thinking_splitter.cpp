#include "pio/generation/thinking_splitter.h"

#include <algorithm>

namespace pio {
namespace {

constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";

// Length of the longest tail of `text` that is a proper prefix of `tag`.
size_t partial_tag_tail(std::string_view text, std::string_view tag) {
  for (size_t len = std::min(text.size(), tag.size() - 1); len > 0; --len)
    if (text.substr(text.size() - len) == tag.substr(0, len)) return len;
  return 0;
}

}  // namespace

ThinkingSplitter::ThinkingSplitter(bool starts_in_reasoning)
    : state_(starts_in_reasoning ? State::kReasoningStart : State::kStart),
      had_reasoning_(starts_in_reasoning) {}

ThinkingSplitter::Delta ThinkingSplitter::push(std::string_view piece) {
  pending_.append(piece);
  Delta out;
  step(out);
  return out;
}

void ThinkingSplitter::step(Delta& out) {
  // Each state consumes what it can decide and either moves on or returns to wait for more.
  while (true) {
    switch (state_) {
      case State::kStart: {
        const size_t first = pending_.find_first_not_of(" \t\r\n");
        if (first == std::string::npos) return;  // only whitespace so far
        const std::string_view rest = std::string_view(pending_).substr(first);
        if (rest.substr(0, kOpen.size()) == kOpen) {
          pending_.erase(0, first + kOpen.size());
          state_ = State::kReasoningStart;
          had_reasoning_ = true;
          continue;
        }
        if (rest.size() < kOpen.size() && kOpen.substr(0, rest.size()) == rest) return;
        state_ = State::kContent;
        continue;
      }
      case State::kReasoningStart:
      case State::kContentStart: {
        const size_t first = pending_.find_first_not_of('\n');
        if (first == std::string::npos) {
          pending_.clear();
          return;
        }
        pending_.erase(0, first);
        state_ = state_ == State::kReasoningStart ? State::kReasoning : State::kContent;
        continue;
      }
      case State::kReasoning: {
        const size_t close = pending_.find(kClose);
        if (close != std::string::npos) {
          std::string_view reasoning = std::string_view(pending_).substr(0, close);
          while (!reasoning.empty() && reasoning.back() == '\n') reasoning.remove_suffix(1);
          out.reasoning.append(reasoning);
          pending_.erase(0, close + kClose.size());
          state_ = State::kContentStart;
          continue;
        }
        // Hold a possible partial `</think>` and the newlines right before it.
        size_t keep = pending_.size() - partial_tag_tail(pending_, kClose);
        while (keep > 0 && pending_[keep - 1] == '\n') --keep;
        out.reasoning.append(pending_, 0, keep);
        pending_.erase(0, keep);
        return;
      }
      case State::kContent:
        out.content.append(pending_);
        pending_.clear();
        return;
    }
  }
}

ThinkingSplitter::Delta ThinkingSplitter::flush() {
  Delta out;
  switch (state_) {
    case State::kStart:
    case State::kContent:
      out.content.swap(pending_);
      break;
    case State::kReasoning: {
      std::string_view reasoning = pending_;
      while (!reasoning.empty() && reasoning.back() == '\n') reasoning.remove_suffix(1);
      out.reasoning.assign(reasoning);
      break;
    }
    case State::kReasoningStart:
    case State::kContentStart:
      break;
  }
  pending_.clear();
  return out;
}

ThinkingSplitter::Delta split_thinking(std::string_view text, bool starts_in_reasoning) {
  ThinkingSplitter splitter(starts_in_reasoning);
  ThinkingSplitter::Delta out = splitter.push(text);
  ThinkingSplitter::Delta tail = splitter.flush();
  out.reasoning += tail.reasoning;
  out.content += tail.content;
  return out;
}

bool prompt_opens_thinking(std::string_view prompt) {
  const size_t open = prompt.rfind(kOpen);
  if (open == std::string_view::npos) return false;
  const size_t close = prompt.rfind(kClose);
  return close == std::string_view::npos || close < open;
}

}  // namespace pio
