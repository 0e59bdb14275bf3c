// The sampler's filters against transformers' own logits processors: the kept sets and the
// repetition-penalised rows stored by tools/golden/gen_sampler_fixture.py.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "pio/generation/sampler.h"

namespace {

std::vector<float> floats(const rapidjson::Value& array) {
  std::vector<float> out;
  for (const auto& v : array.GetArray()) out.push_back(static_cast<float>(v.GetDouble()));
  return out;
}

std::vector<int32_t> ints(const rapidjson::Value& array) {
  std::vector<int32_t> out;
  for (const auto& v : array.GetArray()) out.push_back(v.GetInt());
  return out;
}

}  // namespace

TEST_CASE("kept sets and penalised rows equal transformers' logits processors", "[sampler][golden]") {
  std::ifstream in(std::string(PIO_GENERATION_DATA_DIR) + "/sampler_reference.json");
  REQUIRE(in);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  REQUIRE(doc.IsObject());
  REQUIRE(doc["cases"].Size() >= 10);
  for (const auto& c : doc["cases"].GetArray()) {
    INFO(c["name"].GetString());
    const auto& p = c["params"];
    pio::SamplingParams params;
    params.temperature = static_cast<float>(p["temperature"].GetDouble());
    params.top_k = p["top_k"].GetInt();
    params.top_p = static_cast<float>(p["top_p"].GetDouble());
    params.min_p = static_cast<float>(p["min_p"].GetDouble());
    params.repetition_penalty = static_cast<float>(p["repetition_penalty"].GetDouble());
    params.seed = 1;
    pio::Sampler sampler(params);
    sampler.reset(ints(c["prompt_ids"]));
    std::vector<float> row = floats(c["logits"]);
    const std::vector<int32_t> kept = sampler.candidates(row);
    CHECK(kept == ints(c["kept"]));
    const std::vector<float> penalised = floats(c["penalised"]);
    REQUIRE(row.size() == penalised.size());
    for (size_t i = 0; i < row.size(); ++i) REQUIRE(row[i] == Approx(penalised[i]).epsilon(1e-6));
    // Every draw lands in the kept set.
    for (int draw = 0; draw < 20; ++draw) {
      std::vector<float> r = floats(c["logits"]);
      const int32_t id = sampler.sample(r);
      CHECK(std::find(kept.begin(), kept.end(), id) != kept.end());
    }
  }
}
