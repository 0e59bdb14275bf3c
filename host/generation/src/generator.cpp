#include "pio/generation/generator.h"

#include <algorithm>
#include <chrono>

#include "pio/generation/incremental_detokenizer.h"
#include "pio/generation/sampler.h"
#include "pio/generation/stop_string_matcher.h"
#include "pio/generation/thinking_splitter.h"
#include "pio/sdk/error.h"

namespace pio {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Routes text that passed the stop-string matcher through the thinking split and the tool-call
// parser into events and the result.
class OutputRouter {
 public:
  OutputRouter(const GenerationRequest& request, GenerationResult& result,
               const GenerationCallback& on_event)
      : result_(result),
        on_event_(on_event),
        split_thinking_(request.split_thinking),
        thinking_(request.starts_in_reasoning) {
    if (request.tools) tools_.emplace(*request.tools);
  }

  void push(std::string_view text) {
    if (text.empty()) return;
    result_.text.append(text);
    if (!split_thinking_) return answer(text, false);
    ThinkingSplitter::Delta delta = thinking_.push(text);
    reasoning(delta.reasoning);
    answer(delta.content, false);
  }

  void finish() {
    if (split_thinking_) {
      ThinkingSplitter::Delta delta = thinking_.flush();
      reasoning(delta.reasoning);
      answer(delta.content, false);
    }
    answer({}, true);
  }

 private:
  void reasoning(std::string_view text) {
    if (text.empty()) return;
    result_.reasoning.append(text);
    if (on_event_) on_event_({GenerationEvent::Kind::kReasoning, text, nullptr});
  }

  void answer(std::string_view text, bool last) {
    if (!tools_) return content(text);
    ToolCallStreamParser::Delta delta = tools_->push(text);
    if (last) {
      ToolCallStreamParser::Delta tail = tools_->flush();
      delta.content += tail.content;
      delta.calls.insert(delta.calls.end(), tail.calls.begin(), tail.calls.end());
    }
    content(delta.content);
    for (ToolCall& call : delta.calls) {
      result_.tool_calls.push_back(std::move(call));
      if (on_event_)
        on_event_({GenerationEvent::Kind::kToolCall, {}, &result_.tool_calls.back()});
    }
  }

  void content(std::string_view text) {
    if (text.empty()) return;
    result_.content.append(text);
    if (on_event_) on_event_({GenerationEvent::Kind::kContent, text, nullptr});
  }

  GenerationResult& result_;
  const GenerationCallback& on_event_;
  bool split_thinking_;
  ThinkingSplitter thinking_;
  std::optional<ToolCallStreamParser> tools_;
};

}  // namespace

std::string_view finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kToolCalls: return "tool_calls";
    case FinishReason::kCancelled: return "cancelled";
  }
  return "stop";
}

double GenerationUsage::prompt_tokens_per_second() const {
  const size_t evaluated = prompt_tokens - cached_tokens;
  return prompt_seconds > 0 ? static_cast<double>(evaluated) / prompt_seconds : 0.0;
}

double GenerationUsage::generation_tokens_per_second() const {
  return generation_seconds > 0 ? static_cast<double>(completion_tokens) / generation_seconds : 0.0;
}

size_t common_prefix_length(std::span<const int32_t> a, std::span<const int32_t> b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

GenerationResult generate(Evaluator& evaluator, const GenerationRequest& request,
                          const GenerationCallback& on_event) {
  const auto start = Clock::now();
  if (request.prompt.empty())
    throw_error(ErrorCode::kInvalidArgument, "generate: the prompt has no tokens");
  const size_t vocab = evaluator.vocab_size();
  for (int32_t id : request.prompt)
    if (id < 0 || static_cast<size_t>(id) >= vocab)
      throw_error(ErrorCode::kInvalidArgument, "generate: prompt token {} is outside the vocabulary ({})",
                  id, vocab);
  const size_t context = evaluator.context_length();
  if (context > 0 && request.prompt.size() >= context)
    throw_error(ErrorCode::kContextOverflow,
                "generate: the prompt has {} tokens but the context holds {} (room for at least "
                "one generated token is needed)",
                request.prompt.size(), context);

  GenerationResult result;
  Sampler sampler(request.sampling);
  result.seed = sampler.seed();
  sampler.reset(request.prompt);

  // Prompt reuse: keep the common prefix, but always evaluate at least one id for fresh logits.
  size_t reuse = common_prefix_length(evaluator.cached_tokens(), request.prompt);
  reuse = std::min(reuse, request.prompt.size() - 1);
  try {
    evaluator.truncate(reuse);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kUnsupported) throw;
    evaluator.truncate(0);  // state that cannot rewind partially: start over
    reuse = 0;
  }
  result.usage.prompt_tokens = request.prompt.size();
  result.usage.cached_tokens = reuse;

  std::vector<float> logits(vocab);
  const std::span<const int32_t> prompt(request.prompt);
  evaluator.evaluate(prompt.subspan(reuse), logits);
  const auto prompt_done = Clock::now();
  result.usage.prompt_seconds = seconds_between(start, prompt_done);

  IncrementalDetokenizer detokenizer(
      [&evaluator](std::span<const int32_t> ids) { return evaluator.detokenize(ids); }, prompt);
  StopStringMatcher stops(request.stop);
  OutputRouter router(request, result, on_event);
  std::vector<int32_t> eos(request.eos_ids.begin(), request.eos_ids.end());
  std::sort(eos.begin(), eos.end());

  FinishReason finish = FinishReason::kLength;
  while (true) {
    if (request.cancelled && request.cancelled()) {
      finish = FinishReason::kCancelled;
      break;
    }
    const int32_t token = sampler.sample(logits);
    sampler.accept(token);
    result.tokens.push_back(token);
    if (result.tokens.size() == 1) result.usage.first_token_seconds = seconds_between(start, Clock::now());
    if (std::binary_search(eos.begin(), eos.end(), token)) {
      finish = FinishReason::kStop;
      break;
    }
    StopStringMatcher::Result matched = stops.push(detokenizer.push(token));
    router.push(matched.text);
    if (matched.stopped) {
      finish = FinishReason::kStop;
      result.stop_string = matched.stop;
      break;
    }
    if (request.max_new_tokens > 0 && result.tokens.size() >= request.max_new_tokens) break;
    if (context > 0 && evaluator.cached_tokens().size() >= context) break;  // no room left
    evaluator.evaluate(std::span<const int32_t>(&result.tokens.back(), 1), logits);
  }
  if (!stops.stopped()) {
    StopStringMatcher::Result matched = stops.push(detokenizer.flush());
    router.push(matched.text);
    if (matched.stopped) {
      finish = FinishReason::kStop;
      result.stop_string = matched.stop;
    } else {
      router.push(stops.flush());
    }
  }
  router.finish();
  if (finish == FinishReason::kStop && !result.tool_calls.empty()) finish = FinishReason::kToolCalls;
  result.finish_reason = finish;
  result.usage.completion_tokens = result.tokens.size();
  result.usage.generation_seconds = seconds_between(prompt_done, Clock::now());
  return result;
}

}  // namespace pio
