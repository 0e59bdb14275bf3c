// The checkpoint's tensors sorted into what one decoded token needs of them: the "active
// parameters" of a (MoE) decoder, computed from config.json and the safetensors headers, and the
// per-tensor accounting of touched bytes for pio-touched-bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pio::bench {

// What a tensor is, for the per-token accounting.
enum class TensorRole {
  kEmbedding,  // model.embed_tokens: one row per token (the whole matrix when it is the tied head)
  kLmHead,     // lm_head: read whole for every token
  kNorm,       // RMSNorm weights (input/post-attention, q/k norm, final norm)
  kAttention,  // self_attn projections
  kRouter,     // mlp.gate (MoE router)
  kExperts,    // mlp.experts.*: only top-k of num_experts per layer are active
  kDenseMlp,   // dense mlp.{gate,up,down}_proj
  kOther,
};
inline constexpr int kRoleCount = 8;
const char* role_name(TensorRole role);

// One tensor of the checkpoint with its place in its file.
struct CheckpointTensor {
  std::string name;
  std::filesystem::path file;
  uint64_t file_begin = 0;  // absolute byte offsets in `file`
  uint64_t file_end = 0;
  TensorRole role = TensorRole::kOther;
  int layer = -1;   // model.layers.N, or -1
  int expert = -1;  // per-expert layout: experts.E; -1 for other tensors and fused expert tensors
  uint64_t bytes() const { return file_end - file_begin; }
};

// The checkpoint as the accounting sees it.
struct CheckpointLayout {
  std::vector<std::filesystem::path> files;  // *.safetensors of the model directory, sorted
  std::vector<CheckpointTensor> tensors;
  int num_experts = 0;        // 0 for a dense model
  int experts_per_token = 0;  // top-k
  bool tied_embeddings = false;
  bool has_lm_head = false;
  int64_t vocab_size = 0;
};

// Reads config.json and every *.safetensors header of `model_dir`. Throws pio::Error (kNotFound,
// kBadFormat) naming the file.
CheckpointLayout read_checkpoint_layout(const std::filesystem::path& model_dir);

// Bytes of `tensor` that one decoded token needs (see TensorRole). Pure.
uint64_t active_bytes(const CheckpointLayout& layout, const CheckpointTensor& tensor);

// The byte ranges [begin, end) of each expert inside an expert tensor, in file offsets: the tensor
// itself for the per-expert layout, or num_experts equal slices of a fused [E, ...] tensor. The
// second member is the expert index of each range.
std::vector<std::pair<std::pair<uint64_t, uint64_t>, int>> expert_slices(const CheckpointLayout& layout,
                                                                         const CheckpointTensor& tensor);

}  // namespace pio::bench
