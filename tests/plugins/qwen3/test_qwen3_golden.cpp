// The qwen3 plugin against transformers' Qwen3ForCausalLM (tools/golden/gen_qwen3_fixture.py):
// float32 tiny models, tied and untied embeddings, loaded through the real loader and ABI.
#include <catch2/catch.hpp>

#include <vector>

#include "golden.h"

namespace {

using pio::host::Logits;
using pio::test::ReferenceMatrix;

constexpr double kTolerance = 1e-4;  // ‖ours − HF‖ / ‖HF‖, float32 on both sides

struct Fixture {
  std::filesystem::path dir;
  std::shared_ptr<pio::host::Model> model;
  std::vector<pio_token> ids;
  ReferenceMatrix logits;

  explicit Fixture(const std::string& variant)
      : dir(pio::test::fixture_dir("qwen3/" + variant)),
        model(pio::test::load_model("qwen3", dir)),
        ids(pio::test::read_reference_ids(dir, "input_ids")),
        logits(pio::test::read_reference(dir, "logits")) {}
};

}  // namespace

TEST_CASE("batch logits match transformers", "[qwen3][golden]") {
  const std::string variant = GENERATE("tied", "untied");
  Fixture f(variant);
  auto session = f.model->create_session();
  std::vector<float> ours = session->eval(f.ids, Logits::kAll);
  REQUIRE(ours.size() == f.logits.values.size());
  for (int64_t r = 0; r < f.logits.rows; ++r) {
    std::span<const float> row(ours.data() + r * f.logits.cols, static_cast<size_t>(f.logits.cols));
    INFO(variant << " position " << r);
    CHECK(pio::test::relative_l2(row, f.logits.row(r)) < kTolerance);
  }
}

TEST_CASE("step-by-step decoding through the KV cache matches transformers", "[qwen3][golden]") {
  const std::string variant = GENERATE("tied", "untied");
  Fixture f(variant);
  ReferenceMatrix step = pio::test::read_reference(f.dir, "logits_step");
  auto session = f.model->create_session();
  constexpr size_t kPrefill = 8;  // reference.json "prefill_tokens"
  std::vector<float> prefill =
      session->eval(std::span<const pio_token>(f.ids.data(), kPrefill), Logits::kAll);
  for (size_t r = 0; r < kPrefill; ++r) {
    std::span<const float> row(prefill.data() + r * step.cols, static_cast<size_t>(step.cols));
    CHECK(pio::test::relative_l2(row, step.row(static_cast<int64_t>(r))) < kTolerance);
  }
  for (size_t i = kPrefill; i < f.ids.size(); ++i) {
    std::vector<float> row = session->eval(std::span<const pio_token>(&f.ids[i], 1), Logits::kLast);
    INFO(variant << " step " << i);
    CHECK(pio::test::relative_l2(row, step.row(static_cast<int64_t>(i))) < kTolerance);
  }
  CHECK(session->length() == f.ids.size());
}

TEST_CASE("greedy continuation equals transformers generate", "[qwen3][golden]") {
  Fixture f("tied");
  // reference.json greedy.new_ids (do_sample=False, 16 new tokens, no EOS reached)
  const std::vector<pio_token> expected = {142, 103, 218, 1,  120, 103, 337, 45,
                                           12,  75,  19,  184, 170, 8,   142, 103};
  auto session = f.model->create_session();
  std::vector<float> logits = session->eval(f.ids, Logits::kLast);
  std::vector<pio_token> generated;
  for (size_t i = 0; i < expected.size(); ++i) {
    auto next = static_cast<pio_token>(pio::test::argmax(logits));
    generated.push_back(next);
    logits = session->eval(std::span<const pio_token>(&next, 1), Logits::kLast);
  }
  CHECK(generated == expected);
}

TEST_CASE("truncating the cache and re-evaluating gives the same logits", "[qwen3]") {
  Fixture f("tied");
  auto session = f.model->create_session();
  session->eval(f.ids, Logits::kNone);
  session->truncate(5);
  REQUIRE(session->length() == 5);
  std::vector<float> rest = session->eval(
      std::span<const pio_token>(f.ids.data() + 5, f.ids.size() - 5), Logits::kAll);
  for (int64_t r = 5; r < f.logits.rows; ++r) {
    std::span<const float> row(rest.data() + (r - 5) * f.logits.cols,
                               static_cast<size_t>(f.logits.cols));
    CHECK(pio::test::relative_l2(row, f.logits.row(r)) < kTolerance);
  }
}
