// pio::Checkpoint — the weights of a Hugging Face model directory, as plugins see them.
//
// Opens `model.safetensors`, or the shards named by `model.safetensors.index.json` (weight_map),
// mmap'd and validated (see safetensors.h). Tensors are zero-copy views into the mappings, in the
// checkpoint's own dtype: a bf16 checkpoint stays bf16 and costs no memory until it is touched.
//
//   auto ckpt = pio::Checkpoint::open(model_dir);
//   pio::TensorView wq = ckpt->require("model.layers.0.self_attn.q_proj.weight", {2048, 1024});
//   if (ckpt->has("lm_head.weight")) ...
//   for (auto& name : ckpt->names_with_prefix("model.layers.3.mlp.experts.")) ...
//   ckpt->advise_prefix("model.layers.", pio::AccessHint::kRandom);   // MoE: fault in only used experts
//
// Sharded checks: the index is valid JSON with a weight_map object of strings; every shard it
// names exists and is valid; every tensor it maps is in that shard; no tensor is stored in two
// shards. Errors are pio::Error naming the file and the tensor (kNotFound for missing files and
// tensors, kBadFormat for malformed or inconsistent contents, kInvalidArgument for shape/dtype
// mismatches in require()).
//
// Ownership and lifetime: TensorView pointers (data, name, shape, file) point into the Checkpoint
// and stay valid until it is destroyed. Thread-safety: all const members may run concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pio/sdk/error.h"
#include "pio/sdk/safetensors.h"

namespace pio {

// A tensor of the checkpoint: metadata plus a pointer to its bytes inside the mapping.
struct TensorView {
  std::string_view name;
  DType dtype = DType::kF32;
  std::span<const int64_t> shape;
  const std::byte* data = nullptr;  // row-major, dtype_size(dtype) bytes per element; read-only
  size_t bytes = 0;
  std::string_view file;  // path of the .safetensors file holding it (for messages)

  int64_t numel() const noexcept { return shape_numel(shape); }
  size_t rank() const noexcept { return shape.size(); }
  // dim(i) with bounds check (throws kInternal, a caller bug, when i >= rank).
  int64_t dim(size_t i) const;
  // Typed view of the data: T must match the dtype (float for F32, uint16_t for BF16/F16 bits,
  // int64_t for I64, ...; see dtype_matches). Throws kInvalidArgument naming the tensor otherwise.
  template <typename T>
  std::span<const T> as() const {
    if (!dtype_matches<T>(dtype)) wrong_type(sizeof(T));
    return {reinterpret_cast<const T*>(data), static_cast<size_t>(numel())};
  }

 private:
  [[noreturn]] void wrong_type(size_t requested_element_size) const;
};

class Checkpoint {
 public:
  // Opens a model directory (model.safetensors.index.json if present, else model.safetensors) or
  // a single .safetensors file. Throws kNotFound if neither exists, kBadFormat/kIo as above.
  static std::unique_ptr<Checkpoint> open(const std::filesystem::path& dir_or_file);

  ~Checkpoint();
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  // The directory (or the file) that was opened.
  const std::filesystem::path& path() const noexcept { return path_; }
  // The mapped files, in shard order.
  std::vector<std::filesystem::path> files() const;
  // Number of tensors and their total data bytes.
  size_t size() const noexcept { return entries_.size(); }
  uint64_t total_bytes() const noexcept { return total_bytes_; }

  bool has(std::string_view name) const { return entries_.count(name) != 0; }
  // The tensor, or nullopt.
  std::optional<TensorView> find(std::string_view name) const;
  // The tensor; throws kNotFound "<dir>: tensor 'x' not found in the checkpoint" when absent.
  TensorView tensor(std::string_view name) const;
  // The tensor, checked against the expected shape (and dtype when given); throws kNotFound when
  // absent, kInvalidArgument "…: tensor 'x' in <file> has shape [a, b], expected [c, d]" when
  // misshaped, or "… has dtype F32, expected BF16".
  TensorView require(std::string_view name, std::span<const int64_t> shape,
                     std::optional<DType> dtype = std::nullopt) const;
  TensorView require(std::string_view name, std::initializer_list<int64_t> shape,
                     std::optional<DType> dtype = std::nullopt) const {
    return require(name, std::span<const int64_t>(shape.begin(), shape.size()), dtype);
  }

  // All tensor names, sorted.
  std::vector<std::string> names() const;
  // Names starting with `prefix`, sorted ("model.layers.3.mlp.experts." lists one layer's experts).
  std::vector<std::string> names_with_prefix(std::string_view prefix) const;

  // madvise hints (advisory, never fail). See AccessHint in safetensors.h.
  void advise(const TensorView& tensor, AccessHint hint) const noexcept;
  void advise_prefix(std::string_view prefix, AccessHint hint) const noexcept;
  void advise_all(AccessHint hint) const noexcept;

 private:
  struct Entry {
    const SafetensorsFile* file;
    const TensorInfo* info;
  };
  Checkpoint() = default;
  // Registers the file's tensors; throws kBadFormat if a name is already registered (two shards).
  void add_file_tensors(const SafetensorsFile& file);
  TensorView view(const Entry& entry) const;

  std::filesystem::path path_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::unordered_map<std::string_view, Entry> entries_;  // keys view TensorInfo::name
  uint64_t total_bytes_ = 0;
};

}  // namespace pio
