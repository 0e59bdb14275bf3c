// generate() — the generation loop shared by every model family, the CLI and the server.
//
// Prompt ids in; a stream of events out (answer text, reasoning text, tool calls) and a final
// result with the finish reason, usage counts and timings. Pipeline per sampled token:
//   sampler → EOS check → incremental detokenizer (whole UTF-8 only) → stop strings (held back
//   across token boundaries, never emitted) → thinking split (optional) → tool-call parser
//   (optional, on the answer only) → events.
// Prompt reuse: the evaluator's cached tokens are cut back to the longest common prefix with
// the new prompt and only the rest is evaluated (at least one token, for fresh logits).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pio/generation/evaluator.h"
#include "pio/generation/sampling_params.h"
#include "pio/generation/tool_call_parser.h"
#include "pio/generation/tool_schemas.h"

namespace pio {

enum class FinishReason {
  kStop,       // an EOS id or a stop string
  kLength,     // max_new_tokens reached or the context is full
  kToolCalls,  // stopped (EOS/stop string) and at least one tool call was parsed
  kCancelled,  // the request's cancel callback returned true
};

// "stop", "length", "tool_calls", "cancelled" (the OpenAI finish_reason spellings).
std::string_view finish_reason_name(FinishReason reason);

struct GenerationRequest {
  std::vector<int32_t> prompt;  // non-empty
  SamplingParams sampling;
  size_t max_new_tokens = 256;  // 0: until EOS, a stop string or a full context
  std::vector<int32_t> eos_ids;
  std::vector<std::string> stop;  // stop strings; empty entries ignored
  // Split <think>…</think> into reasoning (see thinking_splitter.h). starts_in_reasoning: the
  // prompt already opened <think> (prompt_opens_thinking()).
  bool split_thinking = false;
  bool starts_in_reasoning = false;
  // Parse tool calls out of the answer when set (see tool_call_parser.h).
  std::optional<ToolSchemas> tools;
  // Polled before every model step; returning true ends the generation with kCancelled.
  std::function<bool()> cancelled;
};

struct GenerationUsage {
  size_t prompt_tokens = 0;      // ids in the prompt
  size_t cached_tokens = 0;      // of those, reused from the evaluator's cache
  size_t completion_tokens = 0;  // sampled ids, EOS included
  double prompt_seconds = 0;     // evaluating the uncached prompt ids
  double generation_seconds = 0; // from the end of the prompt to the end of generation
  double first_token_seconds = 0;  // from the start of the call to the first sampled id
  // Evaluated prompt ids per second and sampled ids per second (0 when the time is 0).
  double prompt_tokens_per_second() const;
  double generation_tokens_per_second() const;
};

struct GenerationEvent {
  enum class Kind {
    kContent,    // answer text delta (`text`)
    kReasoning,  // reasoning text delta (`text`)
    kToolCall,   // one parsed call (`tool_call`), in order, as soon as it closes
  };
  Kind kind;
  std::string_view text;
  const ToolCall* tool_call = nullptr;
};

struct GenerationResult {
  std::string text;       // everything generated, before the split (stop string excluded)
  std::string content;    // answer (concatenated kContent deltas)
  std::string reasoning;  // concatenated kReasoning deltas
  std::vector<ToolCall> tool_calls;
  std::vector<int32_t> tokens;  // sampled ids, EOS included
  FinishReason finish_reason = FinishReason::kStop;
  std::string stop_string;  // the stop string that ended generation, if one did
  GenerationUsage usage;
  uint64_t seed = 0;  // the sampler's seed (drawn when the request had none)
};

using GenerationCallback = std::function<void(const GenerationEvent&)>;

// Runs one generation on `evaluator` (which keeps the prompt and the generated ids in its cache,
// except the final sampled id, which is never evaluated). `on_event` may be empty; it is called
// on the caller's thread; an exception thrown from it ends the generation and propagates.
// Throws pio::Error: kInvalidArgument (empty prompt, bad sampling values, a token outside the
// vocabulary), kContextOverflow (the prompt does not fit the context), and whatever the
// evaluator throws.
GenerationResult generate(Evaluator& evaluator, const GenerationRequest& request,
                          const GenerationCallback& on_event = {});

// Length of the common prefix of two id sequences.
size_t common_prefix_length(std::span<const int32_t> a, std::span<const int32_t> b);

}  // namespace pio
