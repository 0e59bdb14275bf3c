#include "active_params.h"

#include <algorithm>
#include <fstream>
#include <regex>

#include "pio/sdk/error.h"
#include "pio/sdk/json.h"
#include "pio/sdk/safetensors.h"

namespace pio::bench {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

TensorRole classify(const std::string& name) {
  if (name == "model.embed_tokens.weight") return TensorRole::kEmbedding;
  if (name == "lm_head.weight") return TensorRole::kLmHead;
  if (contains(name, "norm.weight")) return TensorRole::kNorm;  // *_layernorm, q_norm, k_norm, model.norm
  if (contains(name, ".self_attn.")) return TensorRole::kAttention;
  if (contains(name, ".mlp.experts.")) return TensorRole::kExperts;
  if (contains(name, ".mlp.gate.weight")) return TensorRole::kRouter;
  if (contains(name, ".mlp.")) return TensorRole::kDenseMlp;
  return TensorRole::kOther;
}

SafetensorsHeader read_header(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kNotFound, "{}: cannot open", path.string());
  uint64_t header_len = 0;
  in.read(reinterpret_cast<char*>(&header_len), 8);
  if (!in || header_len > kMaxSafetensorsHeaderBytes)
    throw_error(ErrorCode::kBadFormat, "{}: bad safetensors header length", path.string());
  std::vector<std::byte> bytes(8 + header_len);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!in) throw_error(ErrorCode::kBadFormat, "{}: truncated safetensors header", path.string());
  return parse_safetensors_header(bytes, fs::file_size(path), path.string());
}

}  // namespace

const char* role_name(TensorRole role) {
  switch (role) {
    case TensorRole::kEmbedding: return "embedding";
    case TensorRole::kLmHead: return "lm_head";
    case TensorRole::kNorm: return "norms";
    case TensorRole::kAttention: return "attention";
    case TensorRole::kRouter: return "router";
    case TensorRole::kExperts: return "experts";
    case TensorRole::kDenseMlp: return "dense_mlp";
    case TensorRole::kOther: return "other";
  }
  return "?";
}

CheckpointLayout read_checkpoint_layout(const fs::path& model_dir) {
  CheckpointLayout layout;
  const JsonValue config = parse_json_file(model_dir / "config.json");
  layout.num_experts = config.get_or<int>("num_experts", 0);
  layout.experts_per_token = config.get_or<int>("num_experts_per_tok", 0);
  layout.tied_embeddings = config.get_or<bool>("tie_word_embeddings", false);
  layout.vocab_size = config.get<int64_t>("vocab_size");

  for (const auto& entry : fs::directory_iterator(model_dir))
    if (entry.path().extension() == ".safetensors") layout.files.push_back(entry.path());
  std::sort(layout.files.begin(), layout.files.end());
  if (layout.files.empty()) throw_error(ErrorCode::kNotFound, "{}: no *.safetensors files", model_dir.string());

  static const std::regex kLayer(R"(model\.layers\.(\d+)\.)");
  static const std::regex kExpert(R"(\.experts\.(\d+)\.)");
  for (const fs::path& file : layout.files) {
    const SafetensorsHeader header = read_header(file);
    for (const TensorInfo& info : header.tensors) {
      CheckpointTensor t;
      t.name = info.name;
      t.file = file;
      t.file_begin = header.data_offset + info.data_begin;
      t.file_end = header.data_offset + info.data_end;
      t.role = classify(info.name);
      std::smatch m;
      if (std::regex_search(info.name, m, kLayer)) t.layer = std::stoi(m[1]);
      if (t.role == TensorRole::kExperts && std::regex_search(info.name, m, kExpert)) t.expert = std::stoi(m[1]);
      layout.has_lm_head |= t.role == TensorRole::kLmHead;
      layout.tensors.push_back(std::move(t));
    }
  }
  return layout;
}

uint64_t active_bytes(const CheckpointLayout& layout, const CheckpointTensor& tensor) {
  switch (tensor.role) {
    case TensorRole::kEmbedding:
      // The tied head reads the whole matrix; otherwise one row of vocab_size.
      if (!layout.has_lm_head) return tensor.bytes();
      return tensor.bytes() / static_cast<uint64_t>(std::max<int64_t>(1, layout.vocab_size));
    case TensorRole::kExperts:
      if (layout.num_experts <= 0) return tensor.bytes();
      if (tensor.expert >= 0)  // one expert's matrix: on average top-k of num_experts are read
        return tensor.bytes() * static_cast<uint64_t>(layout.experts_per_token) / static_cast<uint64_t>(layout.num_experts);
      return tensor.bytes() / static_cast<uint64_t>(layout.num_experts) * static_cast<uint64_t>(layout.experts_per_token);
    default: return tensor.bytes();
  }
}

std::vector<std::pair<std::pair<uint64_t, uint64_t>, int>> expert_slices(const CheckpointLayout& layout,
                                                                         const CheckpointTensor& tensor) {
  std::vector<std::pair<std::pair<uint64_t, uint64_t>, int>> out;
  if (tensor.role != TensorRole::kExperts) return out;
  if (tensor.expert >= 0 || layout.num_experts <= 0) {
    out.push_back({{tensor.file_begin, tensor.file_end}, tensor.expert});
    return out;
  }
  const uint64_t slice = tensor.bytes() / static_cast<uint64_t>(layout.num_experts);
  for (int e = 0; e < layout.num_experts; ++e)
    out.push_back({{tensor.file_begin + slice * static_cast<uint64_t>(e), tensor.file_begin + slice * static_cast<uint64_t>(e + 1)}, e});
  return out;
}

}  // namespace pio::bench
