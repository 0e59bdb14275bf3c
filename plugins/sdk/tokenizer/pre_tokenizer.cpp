#include "pre_tokenizer.h"

#include <string>

namespace pio::tokenizer_detail {

std::vector<MatchSpan> apply_split_behavior(size_t length, const std::vector<MatchSpan>& matches,
                                            SplitBehavior behavior, bool invert) {
  struct Piece {
    MatchSpan span;
    bool is_match;
  };
  // The whole text as alternating gaps and matches (`tokenizers`' Pattern::find_matches).
  std::vector<Piece> pieces;
  if (length == 0) {
    pieces.push_back({{0, 0}, false});
  } else {
    pieces.reserve(matches.size() * 2 + 1);
    size_t prev = 0;
    for (const MatchSpan& m : matches) {
      if (prev != m.begin) pieces.push_back({{prev, m.begin}, false});
      pieces.push_back({m, true});
      prev = m.end;
    }
    if (prev != length) pieces.push_back({{prev, length}, false});
  }
  if (invert)
    for (Piece& p : pieces) p.is_match = !p.is_match;

  std::vector<MatchSpan> kept;
  kept.reserve(pieces.size());
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (const Piece& p : pieces) kept.push_back(p.span);
      break;
    case SplitBehavior::kRemoved:
      for (const Piece& p : pieces)
        if (!p.is_match) kept.push_back(p.span);
      break;
    case SplitBehavior::kContiguous: {
      bool previous_match = false;
      for (const Piece& p : pieces) {
        if (p.is_match == previous_match && !kept.empty()) {
          kept.back().end = p.span.end;
        } else {
          kept.push_back(p.span);
        }
        previous_match = p.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool previous_match = false;
      for (const Piece& p : pieces) {
        if (p.is_match && !previous_match && !kept.empty()) {
          kept.back().end = p.span.end;
        } else {
          kept.push_back(p.span);
        }
        previous_match = p.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool previous_match = false;
      for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) {
        if (it->is_match && !previous_match && !kept.empty()) {
          kept.back().begin = it->span.begin;
        } else {
          kept.push_back(it->span);
        }
        previous_match = it->is_match;
      }
      std::vector<MatchSpan>(kept.rbegin(), kept.rend()).swap(kept);
      break;
    }
  }
  return kept;
}

void PreTokenizer::split(std::string_view text,
                         const std::function<void(std::string_view)>& sink) const {
  run(0, text, sink);
}

void PreTokenizer::run(size_t step_index, std::string_view piece,
                       const std::function<void(std::string_view)>& sink) const {
  if (piece.empty()) return;
  if (step_index == steps_.size()) {
    sink(piece);
    return;
  }
  const PreTokenizerStep& step = steps_[step_index];
  std::string prefixed;
  if (step.kind == PreTokenizerStep::Kind::kByteLevel) {
    if (step.add_prefix_space && piece.front() != ' ') {
      prefixed.reserve(piece.size() + 1);
      prefixed.push_back(' ');
      prefixed.append(piece);
      piece = prefixed;
    }
    if (!step.regex) {
      run(step_index + 1, piece, sink);
      return;
    }
  }
  std::vector<MatchSpan> matches;
  step.regex->find_all(piece, matches);
  for (const MatchSpan& span :
       apply_split_behavior(piece.size(), matches, step.behavior, step.invert))
    run(step_index + 1, piece.substr(span.begin, span.end - span.begin), sink);
}

}  // namespace pio::tokenizer_detail
