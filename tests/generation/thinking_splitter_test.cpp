// Thinking split: <think>…</think> into reasoning and answer, streamed and whole.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pio/generation/thinking_splitter.h"

using pio::split_thinking;
using pio::ThinkingSplitter;

namespace {

// Feeds `text` in pieces of `step` bytes and concatenates the deltas.
ThinkingSplitter::Delta streamed(const std::string& text, size_t step, bool starts_inside,
                                 std::vector<std::string>* reasoning_deltas = nullptr) {
  ThinkingSplitter splitter(starts_inside);
  ThinkingSplitter::Delta all;
  for (size_t i = 0; i < text.size(); i += step) {
    auto d = splitter.push(text.substr(i, step));
    if (reasoning_deltas && !d.reasoning.empty()) reasoning_deltas->push_back(d.reasoning);
    all.reasoning += d.reasoning;
    all.content += d.content;
  }
  auto d = splitter.flush();
  all.reasoning += d.reasoning;
  all.content += d.content;
  return all;
}

}  // namespace

TEST_CASE("Qwen3 thinking output splits into reasoning and answer", "[thinking]") {
  const std::string out = "<think>\nThe user greets me.\nI should reply.\n</think>\n\nHello! How can I help?";
  const auto whole = split_thinking(out);
  CHECK(whole.reasoning == "The user greets me.\nI should reply.");
  CHECK(whole.content == "Hello! How can I help?");
  for (size_t step = 1; step <= out.size(); ++step) {
    const auto s = streamed(out, step, false);
    REQUIRE(s.reasoning == whole.reasoning);
    REQUIRE(s.content == whole.content);
  }
}

TEST_CASE("reasoning streams as it is generated", "[thinking]") {
  std::vector<std::string> deltas;
  streamed("<think>\nabc def ghi jkl\n</think>\n\nok", 4, false, &deltas);
  CHECK(deltas.size() >= 3);  // not all at the end
  CHECK(deltas.front() == "abc ");
}

TEST_CASE("empty think block (enable_thinking=false style output)", "[thinking]") {
  const auto d = split_thinking("<think>\n\n</think>\n\nThe answer is 4.");
  CHECK(d.reasoning.empty());
  CHECK(d.content == "The answer is 4.");
}

TEST_CASE("output that starts inside <think> because the prompt opened it", "[thinking]") {
  CHECK(pio::prompt_opens_thinking("<|im_start|>assistant\n<think>\n"));
  CHECK_FALSE(pio::prompt_opens_thinking("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
  CHECK_FALSE(pio::prompt_opens_thinking("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"));
  const std::string out = "Let me think.\n</think>\n\n42";
  for (size_t step = 1; step <= out.size(); ++step) {
    const auto s = streamed(out, step, true);
    REQUIRE(s.reasoning == "Let me think.");
    REQUIRE(s.content == "42");
  }
}

TEST_CASE("no think block: everything is content, later tags are text", "[thinking]") {
  CHECK(split_thinking("Plain answer.").content == "Plain answer.");
  CHECK(split_thinking("Plain answer.").reasoning.empty());
  const auto d = split_thinking("Use <think> tags like </think> this.");
  CHECK(d.content == "Use <think> tags like </think> this.");
  CHECK(d.reasoning.empty());
  // A prefix of <think> that turns into something else is content, unchanged.
  for (size_t step = 1; step < 8; ++step)
    REQUIRE(streamed("<thin>k", step, false).content == "<thin>k");
  CHECK(split_thinking("  \n").content == "  \n");
}

TEST_CASE("output cut inside reasoning is all reasoning", "[thinking]") {
  const std::string out = "<think>\nStep one.\nStep two </thi";
  const auto whole = split_thinking(out);
  CHECK(whole.reasoning == "Step one.\nStep two </thi");
  CHECK(whole.content.empty());
  for (size_t step = 1; step <= out.size(); ++step)
    REQUIRE(streamed(out, step, false).reasoning == whole.reasoning);
}

TEST_CASE("multi-byte text survives the split at any cut", "[thinking]") {
  const std::string out = "<think>\n思考中…🙂\n</think>\n\n答案：你好";
  for (size_t step = 1; step <= 5; ++step) {
    const auto s = streamed(out, step, false);
    REQUIRE(s.reasoning == "思考中…🙂");
    REQUIRE(s.content == "答案：你好");
  }
}
