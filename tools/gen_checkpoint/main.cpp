// pio-gen-checkpoint: writes a random-weight Hugging Face model directory with the real tensor
// names, shapes, config.json and generation_config.json of a supported family, for load, memory
// and speed checks without downloading the real weights.
//
//   pio-gen-checkpoint --arch qwen3 --preset 0.6b --out /tmp/qwen3-0.6b-random [--shards 2]
//   pio-gen-checkpoint --arch qwen3 --preset small --tokenizer ../shared/data/qwen3-tokenizer --out m
//   pio-gen-checkpoint --arch qwen3_moe --preset reduced --layers 2 --out /tmp/coder-reduced
//
// Weights: N(0, 0.02^2) for matrices, 1 + N(0, 0.02^2) for RMSNorm weights; deterministic from
// --seed (identical bytes for any --threads or --shards).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "model_presets.h"
#include "pio/sdk/error.h"
#include "pio/sdk/json.h"
#include "pio/sdk/safetensors_writer.h"
#include "random_fill.h"

namespace {

namespace fs = std::filesystem;
using pio::gen::TensorSpec;

struct Options {
  pio::gen::PresetOptions preset;
  fs::path out;
  int shards = 1;
  uint64_t seed = 0;
  std::string dtype = "bf16";
  fs::path tokenizer;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  double matrix_std = 0.02;
  double norm_std = 0.02;
};

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) pio::throw_error(pio::ErrorCode::kIo, "{}: write failed", path.string());
}

uint64_t tensor_bytes(const TensorSpec& t, pio::DType dtype) {
  uint64_t n = pio::dtype_size(dtype);
  for (int64_t d : t.shape) n *= static_cast<uint64_t>(d);
  return n;
}

// Splits the name-sorted tensors into `shards` contiguous runs of roughly equal bytes, as
// save_pretrained's max_shard_size does.
std::vector<std::vector<const TensorSpec*>> split_shards(const std::vector<TensorSpec>& tensors, pio::DType dtype,
                                                         int shards) {
  uint64_t total = 0;
  for (const auto& t : tensors) total += tensor_bytes(t, dtype);
  std::vector<std::vector<const TensorSpec*>> out(static_cast<size_t>(shards));
  uint64_t done = 0;
  size_t shard = 0;
  for (const auto& t : tensors) {
    // Move on once this shard has its share, keeping at least one tensor for each later shard.
    uint64_t target = total * (shard + 1) / static_cast<uint64_t>(shards);
    if (!out[shard].empty() && done >= target && shard + 1 < out.size()) ++shard;
    out[shard].push_back(&t);
    done += tensor_bytes(t, dtype);
  }
  return out;
}

void copy_tokenizer(const fs::path& from, const fs::path& to) {
  static const char* kFiles[] = {"tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt",
                                 "special_tokens_map.json", "added_tokens.json", "chat_template.jinja"};
  int copied = 0;
  for (const char* f : kFiles) {
    if (!fs::exists(from / f)) continue;
    fs::copy_file(from / f, to / f, fs::copy_options::overwrite_existing);
    // Sources may be read-only (shared data); keep the copy writable so a re-run can replace it.
    fs::permissions(to / f, fs::perms::owner_write, fs::perm_options::add);
    ++copied;
  }
  if (copied == 0 || !fs::exists(from / "tokenizer.json")) {
    pio::throw_error(pio::ErrorCode::kNotFound, "{}: no tokenizer.json to copy", from.string());
  }
}

int run(const Options& o) {
  const auto start = std::chrono::steady_clock::now();
  auto dtype = pio::parse_dtype(o.dtype == "bf16" ? "BF16" : o.dtype == "f16" ? "F16" : o.dtype == "f32" ? "F32" : "");
  if (!dtype) pio::throw_error(pio::ErrorCode::kInvalidArgument, "--dtype must be bf16, f16 or f32, got '{}'", o.dtype);
  if (o.shards < 1 || o.shards > 9999) pio::throw_error(pio::ErrorCode::kInvalidArgument, "--shards must be 1..9999");

  auto preset = o.preset;
  preset.torch_dtype = *dtype == pio::DType::kBF16 ? "bfloat16" : *dtype == pio::DType::kF16 ? "float16" : "float32";
  pio::gen::ModelSpec spec = pio::gen::make_model_spec(preset);
  if (static_cast<size_t>(o.shards) > spec.tensors.size()) {
    pio::throw_error(pio::ErrorCode::kInvalidArgument, "--shards {} exceeds the {} tensors", o.shards, spec.tensors.size());
  }

  fs::create_directories(o.out);
  // Remove weights of an earlier run so that a single file and shards never mix.
  for (const auto& entry : fs::directory_iterator(o.out)) {
    const auto name = entry.path().filename().string();
    if (name.ends_with(".safetensors") || name == "model.safetensors.index.json") fs::remove(entry.path());
  }
  write_text(o.out / "config.json", spec.config_json);
  write_text(o.out / "generation_config.json", spec.generation_config_json);
  if (!o.tokenizer.empty()) copy_tokenizer(o.tokenizer, o.out);

  auto shards = split_shards(spec.tensors, *dtype, o.shards);
  std::string weight_map;
  uint64_t total_bytes = 0, params = 0;
  for (size_t s = 0; s < shards.size(); ++s) {
    const std::string file = o.shards == 1 ? "model.safetensors"
                                           : fmt::format("model-{:05d}-of-{:05d}.safetensors", s + 1, o.shards);
    pio::SafetensorsWriter writer;
    writer.set_metadata("format", "pt");
    for (const TensorSpec* t : shards[s]) {
      pio::gen::FillParams params_fill;
      params_fill.seed = o.seed;
      params_fill.mean = t->init == pio::gen::Init::kNorm ? 1.0 : 0.0;
      params_fill.std = t->init == pio::gen::Init::kNorm ? o.norm_std : o.matrix_std;
      const uint64_t name_seed = pio::gen::name_hash(t->name);
      const pio::DType dt = *dtype;
      const unsigned threads = o.threads;
      writer.add_lazy(t->name, dt, t->shape, [=](std::span<std::byte> chunk, uint64_t byte_offset) {
        pio::gen::fill_random(chunk, dt, byte_offset / pio::dtype_size(dt), name_seed, params_fill, threads);
      });
      if (!weight_map.empty()) weight_map += ",\n";
      weight_map += fmt::format("    {}: {}", pio::json_quote(t->name), pio::json_quote(file));
      params += static_cast<uint64_t>(pio::shape_numel(t->shape));
    }
    writer.write(o.out / file);
    total_bytes += writer.data_bytes();
  }
  if (o.shards > 1) {
    write_text(o.out / "model.safetensors.index.json",
               fmt::format("{{\n  \"metadata\": {{\n    \"total_size\": {}\n  }},\n  \"weight_map\": {{\n{}\n  }}\n}}\n",
                           total_bytes, weight_map));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "%s: %s %s, %zu tensors, %llu parameters, %.1f MB of %s weights in %d file(s), %.2f s\n",
               o.out.string().c_str(), preset.arch.c_str(), preset.preset.c_str(), spec.tensors.size(),
               static_cast<unsigned long long>(params), static_cast<double>(total_bytes) / 1e6, o.dtype.c_str(),
               o.shards, seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Write a random-weight Hugging Face checkpoint directory (real names, shapes, configs)"};
  app.add_option("--arch", o.preset.arch, "qwen3 | qwen3_moe")->required();
  app.add_option("--preset", o.preset.preset, pio::gen::list_presets())->required();
  app.add_option("--out", o.out, "output model directory (created)")->required();
  app.add_option("--layers", o.preset.layers, "override the preset's number of layers");
  app.add_option("--shards", o.shards, "number of safetensors shards (> 1 writes model.safetensors.index.json)");
  app.add_option("--seed", o.seed, "random seed (default 0)");
  app.add_option("--dtype", o.dtype, "bf16 (default, as published) | f16 | f32");
  app.add_option("--tokenizer", o.tokenizer, "copy tokenizer files from this directory");
  app.add_option("--threads", o.threads, "threads for generating values");
  app.add_option("--std", o.matrix_std, "standard deviation of matrix weights (default 0.02)");
  app.add_flag("--store-lm-head", o.preset.store_lm_head, "tied models: also store lm_head.weight");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(o);
  } catch (const pio::Error& e) {
    std::fprintf(stderr, "pio-gen-checkpoint: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pio-gen-checkpoint: error: %s\n", e.what());
    return 1;
  }
}
