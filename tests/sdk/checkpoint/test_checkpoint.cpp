// Checkpoint over a model directory: single file, sharded index, lookups and their errors.
#include <catch2/catch.hpp>

#include <numeric>

#include "pio/sdk/checkpoint.h"
#include "pio/sdk/error.h"
#include "pio/sdk/safetensors_writer.h"
#include "error_of.h"
#include "temp_dir.h"

using Catch::Contains;
using pio::test::error_of;
using pio::DType;

namespace {

std::vector<float> iota_floats(size_t n, float start) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

// Two shards + index: shard 1 holds embed + layer 0, shard 2 holds layer 1 + norm.
void write_sharded(const pio::test::TempDir& dir) {
  pio::SafetensorsWriter s1, s2;
  s1.add_typed<float>("model.embed_tokens.weight", DType::kF32, {4, 3}, iota_floats(12, 0));
  s1.add_typed<float>("model.layers.0.mlp.experts.0.up_proj.weight", DType::kF32, {2, 3}, iota_floats(6, 100));
  s1.add_typed<float>("model.layers.0.mlp.experts.10.up_proj.weight", DType::kF32, {2, 3}, iota_floats(6, 200));
  s2.add_typed<float>("model.layers.1.mlp.experts.0.up_proj.weight", DType::kF32, {2, 3}, iota_floats(6, 300));
  s2.add_typed<float>("model.norm.weight", DType::kF32, {3}, iota_floats(3, 1));
  s1.write(dir / "model-00001-of-00002.safetensors");
  s2.write(dir / "model-00002-of-00002.safetensors");
  pio::test::write_text(dir / "model.safetensors.index.json", R"({
    "metadata": {"total_size": 128},
    "weight_map": {
      "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
      "model.layers.0.mlp.experts.0.up_proj.weight": "model-00001-of-00002.safetensors",
      "model.layers.0.mlp.experts.10.up_proj.weight": "model-00001-of-00002.safetensors",
      "model.layers.1.mlp.experts.0.up_proj.weight": "model-00002-of-00002.safetensors",
      "model.norm.weight": "model-00002-of-00002.safetensors"
    }})");
}

}  // namespace

TEST_CASE("sharded checkpoint: every tensor reachable by name from its shard", "[checkpoint]") {
  pio::test::TempDir dir;
  write_sharded(dir);
  auto ckpt = pio::Checkpoint::open(dir.path());
  CHECK(ckpt->size() == 5);
  CHECK(ckpt->files().size() == 2);
  CHECK(ckpt->total_bytes() == (12 + 6 + 6 + 6 + 3) * 4);
  auto norm = ckpt->require("model.norm.weight", {3}, DType::kF32);
  CHECK(norm.as<float>()[2] == 3.0f);
  CHECK_THAT(std::string(norm.file), Contains("model-00002-of-00002.safetensors"));
  auto e10 = ckpt->tensor("model.layers.0.mlp.experts.10.up_proj.weight");
  CHECK(e10.as<float>()[5] == 205.0f);
  CHECK(ckpt->has("model.embed_tokens.weight"));
  CHECK_FALSE(ckpt->has("lm_head.weight"));
  CHECK_FALSE(ckpt->find("lm_head.weight"));
  CHECK(ckpt->names_with_prefix("model.layers.0.mlp.experts.") ==
        std::vector<std::string>{"model.layers.0.mlp.experts.0.up_proj.weight",
                                 "model.layers.0.mlp.experts.10.up_proj.weight"});
  CHECK(ckpt->names().size() == 5);
  CHECK(ckpt->names().front() == "model.embed_tokens.weight");
  ckpt->advise_prefix("model.layers.", pio::AccessHint::kRandom);
  CHECK(ckpt->tensor("model.layers.1.mlp.experts.0.up_proj.weight").as<float>()[0] == 300.0f);
}

TEST_CASE("single-file model directory", "[checkpoint]") {
  pio::test::TempDir dir;
  pio::SafetensorsWriter w;
  w.add_typed<float>("x", DType::kF32, {2}, std::vector<float>{1, 2});
  w.write(dir / "model.safetensors");
  auto ckpt = pio::Checkpoint::open(dir.path());
  CHECK(ckpt->tensor("x").as<float>()[1] == 2.0f);
}

TEST_CASE("missing and misshaped tensors are reported by name, shape and file", "[checkpoint]") {
  pio::test::TempDir dir;
  write_sharded(dir);
  auto ckpt = pio::Checkpoint::open(dir.path());
  auto msg = error_of([&] { ckpt->tensor("lm_head.weight"); }, pio::ErrorCode::kNotFound);
  CHECK_THAT(msg, Contains("'lm_head.weight'") && Contains("not found"));
  msg = error_of([&] { ckpt->require("model.embed_tokens.weight", {3, 4}); }, pio::ErrorCode::kInvalidArgument);
  CHECK_THAT(msg, Contains("'model.embed_tokens.weight'") && Contains("has shape [4, 3], expected [3, 4]") &&
                      Contains("model-00001-of-00002.safetensors"));
  msg = error_of([&] { ckpt->require("model.norm.weight", {3}, DType::kBF16); }, pio::ErrorCode::kInvalidArgument);
  CHECK_THAT(msg, Contains("'model.norm.weight'") && Contains("dtype F32, expected BF16"));
  msg = error_of([&] { ckpt->require("model.norm.weight", {3, 1}); }, pio::ErrorCode::kInvalidArgument);
  CHECK_THAT(msg, Contains("expected [3, 1]"));
}

TEST_CASE("index naming a shard that does not exist", "[checkpoint]") {
  pio::test::TempDir dir;
  write_sharded(dir);
  std::filesystem::remove(dir / "model-00002-of-00002.safetensors");
  auto msg = error_of([&] { pio::Checkpoint::open(dir.path()); }, pio::ErrorCode::kNotFound);
  CHECK_THAT(msg, Contains("model.safetensors.index.json") && Contains("model-00002-of-00002.safetensors") &&
                      Contains("does not exist"));
}

TEST_CASE("index mapping a tensor its shard does not hold", "[checkpoint]") {
  pio::test::TempDir dir;
  write_sharded(dir);
  pio::test::write_text(dir / "model.safetensors.index.json", R"({"weight_map": {
      "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
      "model.ghost.weight": "model-00002-of-00002.safetensors"}})");
  auto msg = error_of([&] { pio::Checkpoint::open(dir.path()); }, pio::ErrorCode::kNotFound);
  CHECK_THAT(msg, Contains("'model.ghost.weight'") && Contains("does not contain it"));
}

TEST_CASE("index mapping a tensor to the wrong shard", "[checkpoint]") {
  pio::test::TempDir dir;
  write_sharded(dir);
  pio::test::write_text(dir / "model.safetensors.index.json", R"({"weight_map": {
      "model.embed_tokens.weight": "model-00002-of-00002.safetensors",
      "model.norm.weight": "model-00002-of-00002.safetensors",
      "model.layers.0.mlp.experts.0.up_proj.weight": "model-00001-of-00002.safetensors"}})");
  auto msg = error_of([&] { pio::Checkpoint::open(dir.path()); }, pio::ErrorCode::kBadFormat);
  CHECK_THAT(msg, Contains("'model.embed_tokens.weight'") && Contains("model-00001-of-00002.safetensors"));
}

TEST_CASE("the same tensor stored in two shards", "[checkpoint]") {
  pio::test::TempDir dir;
  write_sharded(dir);
  pio::SafetensorsWriter dup;
  dup.add_typed<float>("model.norm.weight", DType::kF32, {3}, iota_floats(3, 9));
  dup.write(dir / "model-00001-of-00002.safetensors");
  auto msg = error_of([&] { pio::Checkpoint::open(dir.path()); }, pio::ErrorCode::kBadFormat);
  CHECK_THAT(msg, Contains("'model.norm.weight'") && Contains("stored in both"));
}

TEST_CASE("malformed index files", "[checkpoint]") {
  pio::test::TempDir dir;
  write_sharded(dir);
  pio::test::write_text(dir / "model.safetensors.index.json", R"({"weight_map": {"a": "x.safetensors",)");
  CHECK_THAT(error_of([&] { pio::Checkpoint::open(dir.path()); }, pio::ErrorCode::kBadFormat),
             Contains("model.safetensors.index.json") && Contains("malformed JSON"));
  pio::test::write_text(dir / "model.safetensors.index.json", R"({"metadata": {}})");
  CHECK_THAT(error_of([&] { pio::Checkpoint::open(dir.path()); }, pio::ErrorCode::kNotFound),
             Contains("/weight_map"));
  pio::test::write_text(dir / "model.safetensors.index.json", R"({"weight_map": {"a": 3}})");
  CHECK_THAT(error_of([&] { pio::Checkpoint::open(dir.path()); }, pio::ErrorCode::kBadFormat),
             Contains("/weight_map/a") && Contains("expected a string"));
  pio::test::write_text(dir / "model.safetensors.index.json", R"({"weight_map": {"a": "../../etc/passwd"}})");
  CHECK_THAT(error_of([&] { pio::Checkpoint::open(dir.path()); }, pio::ErrorCode::kBadFormat),
             Contains("not a file of the model directory"));
}

TEST_CASE("a corrupt shard is reported with its own file name", "[checkpoint]") {
  pio::test::TempDir dir;
  write_sharded(dir);
  auto shard = dir / "model-00002-of-00002.safetensors";
  std::filesystem::resize_file(shard, std::filesystem::file_size(shard) - 4);
  auto msg = error_of([&] { pio::Checkpoint::open(dir.path()); }, pio::ErrorCode::kBadFormat);
  CHECK_THAT(msg, Contains("model-00002-of-00002.safetensors") && Contains("'model.norm.weight'") &&
                      Contains("outside the data section"));
}
