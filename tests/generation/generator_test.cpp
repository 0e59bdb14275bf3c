// The generation loop over a fake model: EOS, length, stop strings, thinking, tool calls,
// prompt reuse, context limits, cancellation, usage counts and event order.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "fake_model.h"
#include "pio/generation/generator.h"
#include "pio/generation/thinking_splitter.h"

using pio::FinishReason;
using pio::GenerationEvent;
using pio::GenerationRequest;
using pio::testing::FakeModel;

namespace {

// id: 0 <eos>  1 "Hel"  2 "lo"  3 " wor"  4 "ld"  5 "<think>"  6 "</think>"  7 "\n"  8 "\n\n"
//     9 "Let me see."  10 "\xE4"  11 "\xBD\xA0"  12 "<tool_call>"  13 "</tool_call>"
//    14 "<function=get_time>"  15 "</function>"  16 "<parameter=zone>"  17 "</parameter>"
//    18 "UTC"  19 "<|im_start|>"  20 "user"  21 "assistant"
const std::vector<std::string> kVocab = {
    "",        "Hel", "lo",       " wor",        "ld",           "<think>",
    "</think>", "\n", "\n\n",     "Let me see.", "\xE4",         "\xBD\xA0",
    "<tool_call>", "</tool_call>", "<function=get_time>", "</function>", "<parameter=zone>",
    "</parameter>", "UTC", "<|im_start|>", "user", "assistant"};

const std::vector<int32_t> kPrompt = {19, 20, 7, 1, 2, 7, 19, 21, 7};

GenerationRequest greedy_request(std::vector<int32_t> prompt = kPrompt) {
  GenerationRequest r;
  r.prompt = std::move(prompt);
  r.sampling.temperature = 0.0f;
  r.eos_ids = {0};
  r.max_new_tokens = 64;
  return r;
}

struct Recorder {
  std::vector<std::pair<GenerationEvent::Kind, std::string>> events;
  pio::GenerationCallback callback() {
    return [this](const GenerationEvent& e) {
      std::string payload = e.tool_call ? e.tool_call->name + e.tool_call->arguments : std::string(e.text);
      events.emplace_back(e.kind, payload);
    };
  }
};

}  // namespace

TEST_CASE("greedy generation runs to EOS; the EOS id is counted but not printed", "[generator]") {
  FakeModel model(kVocab);
  model.set_script({1, 2, 3, 4, 0}, kPrompt.size(), 0);
  Recorder rec;
  const auto result = pio::generate(model, greedy_request(), rec.callback());
  CHECK(result.text == "Hello world");
  CHECK(result.content == "Hello world");
  CHECK(result.reasoning.empty());
  CHECK(result.tokens == std::vector<int32_t>{1, 2, 3, 4, 0});
  CHECK(result.finish_reason == FinishReason::kStop);
  CHECK(pio::finish_reason_name(result.finish_reason) == "stop");
  CHECK(result.usage.prompt_tokens == kPrompt.size());
  CHECK(result.usage.cached_tokens == 0);
  CHECK(result.usage.completion_tokens == 5);
  CHECK(model.evaluated() == kPrompt.size() + 4);  // the EOS is never evaluated
  std::string streamed;
  for (const auto& [kind, text] : rec.events) {
    CHECK(kind == GenerationEvent::Kind::kContent);
    streamed += text;
  }
  CHECK(streamed == "Hello world");
  CHECK(rec.events.size() == 4);  // one delta per token
}

TEST_CASE("max_new_tokens ends with length", "[generator]") {
  FakeModel model(kVocab);
  model.set_script({1, 2, 3, 4, 0}, kPrompt.size(), 0);
  auto request = greedy_request();
  request.max_new_tokens = 3;
  const auto result = pio::generate(model, request);
  CHECK(result.finish_reason == FinishReason::kLength);
  CHECK(result.text == "Hello wor");
  CHECK(result.usage.completion_tokens == 3);
}

TEST_CASE("a stop string across tokens ends generation and is not emitted", "[generator]") {
  FakeModel model(kVocab);
  model.set_script({1, 2, 3, 4, 1, 2}, kPrompt.size(), 0);
  auto request = greedy_request();
  request.stop = {"o wo"};
  Recorder rec;
  const auto result = pio::generate(model, request, rec.callback());
  CHECK(result.finish_reason == FinishReason::kStop);
  CHECK(result.stop_string == "o wo");
  CHECK(result.text == "Hell");
  CHECK(result.content == "Hell");
  CHECK(result.tokens.size() == 3);
  std::string streamed;
  for (const auto& e : rec.events) streamed += e.second;
  CHECK(streamed == "Hell");
}

TEST_CASE("thinking output streams reasoning, then the answer", "[generator]") {
  FakeModel model(kVocab);
  model.set_script({5, 7, 9, 7, 6, 8, 1, 2, 0}, kPrompt.size(), 0);
  auto request = greedy_request();
  request.split_thinking = true;
  Recorder rec;
  const auto result = pio::generate(model, request, rec.callback());
  CHECK(result.reasoning == "Let me see.");
  CHECK(result.content == "Hello");
  CHECK(result.text == "<think>\nLet me see.\n</think>\n\nHello");
  REQUIRE(rec.events.size() >= 2);
  CHECK(rec.events.front() == std::make_pair(GenerationEvent::Kind::kReasoning, std::string("Let me see.")));
  CHECK(rec.events.back().first == GenerationEvent::Kind::kContent);

  // The prompt opened <think>: the output starts inside it.
  FakeModel inside(kVocab);
  std::vector<int32_t> prompt = kPrompt;
  prompt.push_back(5);
  inside.set_script({9, 6, 8, 3, 4, 0}, prompt.size(), 0);
  auto request2 = greedy_request(prompt);
  request2.split_thinking = true;
  request2.starts_in_reasoning = pio::prompt_opens_thinking(model.detokenize(prompt));
  CHECK(request2.starts_in_reasoning);
  const auto result2 = pio::generate(inside, request2);
  CHECK(result2.reasoning == "Let me see.");
  CHECK(result2.content == " world");
}

TEST_CASE("tool calls are parsed, typed and end with finish_reason tool_calls", "[generator]") {
  FakeModel model(kVocab);
  model.set_script({1, 2, 7, 12, 7, 14, 7, 16, 7, 18, 7, 17, 7, 15, 7, 13, 0}, kPrompt.size(), 0);
  auto request = greedy_request();
  request.tools = pio::ToolSchemas::from_json(
      R"([{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{"zone":{"type":"string"}}}}}])");
  Recorder rec;
  const auto result = pio::generate(model, request, rec.callback());
  CHECK(result.finish_reason == FinishReason::kToolCalls);
  CHECK(result.content == "Hello");
  REQUIRE(result.tool_calls.size() == 1);
  CHECK(result.tool_calls[0].name == "get_time");
  CHECK(result.tool_calls[0].arguments == R"({"zone":"UTC"})");
  CHECK(rec.events.back() == std::make_pair(GenerationEvent::Kind::kToolCall, std::string(R"(get_time{"zone":"UTC"})")));

  // Cut by max tokens mid-call: the partial call is content and the reason is length.
  FakeModel cut(kVocab);
  cut.set_script({1, 2, 7, 12, 7, 14, 7, 16, 7, 18}, kPrompt.size(), 0);
  auto request2 = request;
  request2.max_new_tokens = 10;
  const auto result2 = pio::generate(cut, request2);
  CHECK(result2.finish_reason == FinishReason::kLength);
  CHECK(result2.tool_calls.empty());
  CHECK(result2.content == "Hello\n<tool_call>\n<function=get_time>\n<parameter=zone>\nUTC");
}

TEST_CASE("a second turn reuses the cached prefix and evaluates only the rest", "[generator]") {
  FakeModel model(kVocab);
  model.set_script({1, 2, 0}, kPrompt.size(), 0);
  const auto first = pio::generate(model, greedy_request());
  CHECK(first.usage.cached_tokens == 0);
  const size_t evaluated_after_first = model.evaluated();
  CHECK(model.cached_tokens().size() == kPrompt.size() + 2);

  // Next prompt: the previous one, the answer as the template re-renders it, a new user turn.
  std::vector<int32_t> prompt2 = kPrompt;
  prompt2.insert(prompt2.end(), {1, 2, 7, 19, 20, 7, 3, 7, 19, 21, 7});
  model.set_script({4, 0}, prompt2.size(), 0);
  const auto second = pio::generate(model, greedy_request(prompt2));
  CHECK(second.usage.cached_tokens == kPrompt.size() + 2);
  CHECK(second.text == "ld");
  CHECK(model.evaluated() - evaluated_after_first == prompt2.size() - (kPrompt.size() + 2) + 1);

  // Identical prompt again: everything but the last id is reused.
  model.set_script({4, 0}, prompt2.size(), 0);
  const auto third = pio::generate(model, greedy_request(prompt2));
  CHECK(third.usage.cached_tokens == prompt2.size() - 1);
  CHECK(third.text == "ld");

  // A diverging prompt truncates to the common prefix.
  std::vector<int32_t> prompt3 = {19, 20, 7, 3, 4};
  model.set_script({1, 0}, prompt3.size(), 0);
  const auto fourth = pio::generate(model, greedy_request(prompt3));
  CHECK(fourth.usage.cached_tokens == 3);
  CHECK(fourth.text == "Hel");
}

TEST_CASE("context limits: a prompt that does not fit throws, a full context ends with length",
          "[generator]") {
  FakeModel model(kVocab);
  model.set_script({1, 2, 3, 4, 1, 2, 3, 4}, kPrompt.size(), 0);
  model.set_context_length(kPrompt.size());
  CHECK_THROWS_AS(pio::generate(model, greedy_request()), pio::Error);

  model.set_context_length(kPrompt.size() + 3);
  auto request = greedy_request();
  request.max_new_tokens = 0;  // unlimited: the context decides
  const auto result = pio::generate(model, request);
  CHECK(result.finish_reason == FinishReason::kLength);
  CHECK(result.tokens.size() == 4);  // 3 evaluated + the last sampled one
  CHECK(result.text == "Hello world");
}

TEST_CASE("cancellation, bad prompts, and UTF-8 safety", "[generator]") {
  FakeModel model(kVocab);
  model.set_script({10, 11, 10, 11, 1, 0}, kPrompt.size(), 0);
  Recorder rec;
  const auto result = pio::generate(model, greedy_request(), rec.callback());
  CHECK(result.text == "你你Hel");
  for (const auto& e : rec.events) CHECK((e.second == "你" || e.second == "Hel"));

  int polls = 0;
  auto request = greedy_request();
  request.cancelled = [&polls] { return ++polls > 2; };
  const auto cancelled = pio::generate(model, request);
  CHECK(cancelled.finish_reason == FinishReason::kCancelled);
  CHECK(cancelled.tokens.size() == 2);

  CHECK_THROWS_AS(pio::generate(model, greedy_request({})), pio::Error);
  CHECK_THROWS_AS(pio::generate(model, greedy_request({1, 999})), pio::Error);
}

TEST_CASE("seeded sampling is reproducible through the loop", "[generator]") {
  // A flat model: every id but EOS equally likely.
  class Flat : public FakeModel {
   public:
    Flat() : FakeModel(kVocab) {}
    void evaluate(std::span<const int32_t> tokens, std::span<float> logits) override {
      FakeModel::evaluate(tokens, logits);
      std::fill(logits.begin(), logits.end(), 1.0f);
      logits[0] = -1e9f;
    }
  };
  auto run = [](uint64_t seed) {
    Flat model;
    auto request = greedy_request();
    request.sampling.temperature = 1.0f;
    request.sampling.seed = seed;
    request.max_new_tokens = 30;
    return pio::generate(model, request).tokens;
  };
  CHECK(run(7) == run(7));
  CHECK(run(7) != run(8));
}
