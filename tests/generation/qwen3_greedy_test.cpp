// The generation loop on the real qwen3 plugin against transformers: the tiny random Qwen3
// fixture (tests/fixtures/qwen3/tied, made by tools/golden/gen_qwen3_fixture.py) stores the
// greedy continuation of HF generate(do_sample=False). generate() over a SessionEvaluator must
// produce the same ids, also when a second request reuses the cached prefix of the first.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "pio/generation/generator.h"
#include "pio/generation/model_profile.h"
#include "pio/generation/session_evaluator.h"
#include "pio/host/discovery.h"
#include "pio/host/registry.h"

namespace {

namespace fs = std::filesystem;

struct Reference {
  std::vector<int32_t> prompt;
  std::vector<int32_t> new_ids;
  std::vector<int32_t> eos;
  size_t max_new_tokens = 0;
  bool stopped_on_eos = false;
};

Reference read_reference(const fs::path& dir) {
  std::ifstream in(dir / "reference.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  REQUIRE(doc.IsObject());
  const auto& greedy = doc["greedy"];
  Reference r;
  for (const auto& v : greedy["prompt_ids"].GetArray()) r.prompt.push_back(v.GetInt());
  for (const auto& v : greedy["new_ids"].GetArray()) r.new_ids.push_back(v.GetInt());
  for (const auto& v : greedy["eos_token_id"].GetArray()) r.eos.push_back(v.GetInt());
  r.max_new_tokens = greedy["max_new_tokens"].GetUint64();
  r.stopped_on_eos = greedy["stopped_on_eos"].GetBool();
  return r;
}

std::shared_ptr<pio::host::Model> load(const fs::path& dir) {
  pio::host::PluginSearchOptions search;
  search.extra_dirs = {PIO_BUILD_PLUGIN_DIR};
  search.use_environment = false;
  pio::host::ModelRegistry registry(pio::host::discover_plugins(search));
  return registry.load_unregistered(dir);
}

}  // namespace

TEST_CASE("greedy generation on the qwen3 plugin equals transformers generate", "[qwen3][golden]") {
  const fs::path dir = fs::path(PIO_FIXTURE_DIR) / "qwen3" / "tied";
  const Reference ref = read_reference(dir);
  auto model = load(dir);
  const pio::ModelProfile profile = pio::parse_model_profile(model->describe_json());
  CHECK(profile.eos_ids == ref.eos);

  pio::SessionEvaluator evaluator(model->create_session(), profile.context_length);
  pio::GenerationRequest request;
  request.prompt = ref.prompt;
  request.sampling.temperature = 0.0f;
  request.eos_ids = profile.eos_ids;
  request.max_new_tokens = ref.max_new_tokens;
  const pio::GenerationResult result = pio::generate(evaluator, request);
  CHECK(result.tokens == ref.new_ids);
  CHECK(result.finish_reason == (ref.stopped_on_eos ? pio::FinishReason::kStop : pio::FinishReason::kLength));
  CHECK(result.usage.prompt_tokens == ref.prompt.size());
  CHECK(result.usage.completion_tokens == ref.new_ids.size());

  // Continue from the middle: the prompt plus the first half of the answer. The cache already
  // holds that prefix; only the last id is re-evaluated, and the rest of HF's answer follows.
  const size_t half = ref.new_ids.size() / 2;
  pio::GenerationRequest next = request;
  next.prompt.insert(next.prompt.end(), ref.new_ids.begin(), ref.new_ids.begin() + static_cast<long>(half));
  next.max_new_tokens = ref.new_ids.size() - half;
  const pio::GenerationResult continued = pio::generate(evaluator, next);
  CHECK(continued.usage.cached_tokens == next.prompt.size() - 1);
  CHECK(continued.tokens == std::vector<int32_t>(ref.new_ids.begin() + static_cast<long>(half), ref.new_ids.end()));

  // A diverging prompt (the first half of the original prompt) truncates the cache and still
  // reproduces a fresh session's greedy answer for it.
  pio::GenerationRequest shorter = request;
  shorter.prompt.resize(ref.prompt.size() / 2);
  const pio::GenerationResult reused = pio::generate(evaluator, shorter);
  pio::SessionEvaluator fresh(model->create_session(), profile.context_length);
  const pio::GenerationResult clean = pio::generate(fresh, shorter);
  CHECK(reused.usage.cached_tokens == shorter.prompt.size() - 1);
  CHECK(reused.tokens == clean.tokens);
}
