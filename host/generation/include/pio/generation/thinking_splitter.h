// ThinkingSplitter — splits generated text into reasoning (`<think>…</think>`) and answer.
//
// Streaming: push() takes text pieces and returns reasoning / content deltas; text that could
// still turn out to be part of a `<think>`/`</think>` tag, or newlines that the recipe strips,
// is held back until it is decided. flush() at the end releases what is left. The concatenation
// of all deltas equals split_thinking() on the whole text, however the text was cut.
//
// Rules (the Qwen3 recipe, adapted to streaming):
// - Output that starts with `<think>` (leading whitespace allowed) opens reasoning; with
//   starts_in_reasoning (the prompt already opened `<think>`, see prompt_opens_thinking) the
//   output starts inside it. Otherwise everything is content and `<think>` later is plain text.
// - Reasoning ends at the first `</think>` (a streaming parser cannot wait for the last one; Qwen
//   models emit exactly one). The markers are not part of either field.
// - "\n" is stripped from both ends of the reasoning and from the start of the content that
//   follows `</think>` (the docs' strip("\n"); the model writes `<think>\n…\n</think>\n\n`).
// - Output that ends inside reasoning (cut by max tokens) is all reasoning.
//
// Thread-safety: one instance per generation.
#pragma once

#include <string>
#include <string_view>

namespace pio {

class ThinkingSplitter {
 public:
  struct Delta {
    std::string reasoning;
    std::string content;
  };

  explicit ThinkingSplitter(bool starts_in_reasoning = false);

  Delta push(std::string_view piece);
  Delta flush();

  // True while text is being routed to reasoning.
  bool in_reasoning() const { return state_ == State::kReasoningStart || state_ == State::kReasoning; }
  // True once a `<think>` block was seen or the output started inside one.
  bool had_reasoning() const { return had_reasoning_; }

 private:
  enum class State { kStart, kReasoningStart, kReasoning, kContentStart, kContent };
  void step(Delta& out);

  State state_;
  bool had_reasoning_;
  std::string pending_;
};

// Whole-text form of ThinkingSplitter (push(text) then flush()).
ThinkingSplitter::Delta split_thinking(std::string_view text, bool starts_in_reasoning = false);

// True when a rendered prompt leaves a `<think>` block open at its end (its last `<think>` comes
// after its last `</think>`), so the model's output starts inside reasoning.
bool prompt_opens_thinking(std::string_view prompt);

}  // namespace pio
