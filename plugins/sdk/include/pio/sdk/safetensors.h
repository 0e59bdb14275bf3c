// safetensors: the element types, the validated header of one file, and a read-only mmap'd file.
//
// Format (https://github.com/huggingface/safetensors): 8-byte little-endian header length N, N
// bytes of UTF-8 JSON {"name": {"dtype": "BF16", "shape": [..], "data_offsets": [begin, end]},
// ..., "__metadata__": {"k": "v"}}, then the data section; offsets are relative to its start.
//
// Every header is validated before any tensor is used (parse_safetensors_header): the length is
// at most 100 MB and inside the file, the JSON is well-formed, every entry has a known dtype, a
// non-negative shape and offsets with begin <= end <= data size, end - begin == numel x element
// size, no two tensors overlap and no name repeats. Errors are pio::Error kBadFormat and name the
// file and, where there is one, the tensor.
//
// Most plugins never use this header directly: pio/sdk/checkpoint.h opens a model directory
// (single file or sharded) on top of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace pio {

// Element type of a stored tensor. Weights use kBF16 / kF16 / kF32; the integer and bool types
// are recognised so that metadata tensors (ids, masks) of the same files can be read.
enum class DType : int32_t {
  kF32 = 0,
  kF16 = 1,
  kBF16 = 2,
  kF64 = 3,
  kI8 = 4,
  kI16 = 5,
  kI32 = 6,
  kI64 = 7,
  kU8 = 8,
  kBool = 9,
  kF8E4M3 = 10,  // FP8 checkpoints (recognised; no SDK conversion)
  kF8E5M2 = 11,
};

// Bytes per element (kBool and the FP8 types: 1).
size_t dtype_size(DType dtype) noexcept;
// The safetensors spelling: "F32", "F16", "BF16", "F64", "I8", "I16", "I32", "I64", "U8", "BOOL",
// "F8_E4M3", "F8_E5M2".
const char* dtype_name(DType dtype) noexcept;
// Parses the safetensors spelling; nullopt for anything else (e.g. "U16", "f32").
std::optional<DType> parse_dtype(std::string_view name) noexcept;

// The C++ type stored for a dtype, for typed views (pio::TensorView::as<T>()).
// bf16/f16 have no C++ type: they are read as uint16_t bit patterns.
template <typename T>
constexpr bool dtype_matches(DType dtype) noexcept {
  if constexpr (std::is_same_v<T, float>) return dtype == DType::kF32;
  else if constexpr (std::is_same_v<T, double>) return dtype == DType::kF64;
  else if constexpr (std::is_same_v<T, uint16_t>) return dtype == DType::kBF16 || dtype == DType::kF16;
  else if constexpr (std::is_same_v<T, int8_t>) return dtype == DType::kI8;
  else if constexpr (std::is_same_v<T, int16_t>) return dtype == DType::kI16;
  else if constexpr (std::is_same_v<T, int32_t>) return dtype == DType::kI32;
  else if constexpr (std::is_same_v<T, int64_t>) return dtype == DType::kI64;
  else if constexpr (std::is_same_v<T, uint8_t>)
    return dtype == DType::kU8 || dtype == DType::kBool || dtype == DType::kF8E4M3 || dtype == DType::kF8E5M2;
  else return false;
}

// "[151936, 1024]".
std::string shape_to_string(std::span<const int64_t> shape);
// Product of the dims (1 for a scalar []). Callers get shapes from validated headers, where the
// product is known not to overflow.
int64_t shape_numel(std::span<const int64_t> shape) noexcept;

// One tensor entry of a header.
struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t data_begin = 0;  // offsets relative to the start of the data section
  uint64_t data_end = 0;

  uint64_t byte_size() const noexcept { return data_end - data_begin; }
  int64_t numel() const noexcept { return shape_numel(shape); }
};

// A parsed and validated header.
struct SafetensorsHeader {
  std::vector<TensorInfo> tensors;  // in header order
  std::vector<std::pair<std::string, std::string>> metadata;  // "__metadata__", in header order
  uint64_t data_offset = 0;  // 8 + header length: where the data section starts in the file
  uint64_t data_size = 0;    // file size - data_offset
};

// Largest accepted header: far above any real checkpoint (Qwen3-Coder-30B-A3B's largest shard
// header is ~1 MB) and small enough that a corrupt length cannot make us allocate gigabytes.
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull * 1024 * 1024;

// Validates and parses the header at the start of `file_bytes`, which must hold at least the
// first 8 + N bytes of the file; `file_size` is the size of the whole file (the data section is
// checked against it). `file_name` appears in every error. Throws pio::Error kBadFormat.
// Thread-safety: pure function.
SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file_bytes, uint64_t file_size,
                                           std::string_view file_name);

// Access-pattern hints for mapped tensor data (madvise).
enum class AccessHint {
  kNormal,      // MADV_NORMAL: the kernel's default read-ahead
  kRandom,      // MADV_RANDOM: no read-ahead; for MoE experts, so that touching one expert does
                //   not fault in its neighbours
  kSequential,  // MADV_SEQUENTIAL
  kWillNeed,    // MADV_WILLNEED: start reading now (dense weights used by every token)
  kDontNeed,    // MADV_DONTNEED: drop the resident pages (re-read from the file on next touch)
};

// One .safetensors file, mmap'd read-only and validated. Tensor data is never copied: data()
// points into the mapping, in the file's dtype.
// Ownership: the mapping lives as long as the SafetensorsFile; pointers from data() are valid
// until it is destroyed. Thread-safety: const member functions are safe concurrently.
class SafetensorsFile {
 public:
  // Maps and validates `path`. Throws kNotFound (no such file), kIo (open/mmap failed),
  // kBadFormat (invalid header; the message names the file and the tensor).
  static std::unique_ptr<SafetensorsFile> open(const std::filesystem::path& path);

  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  const SafetensorsHeader& header() const noexcept { return header_; }
  const std::vector<TensorInfo>& tensors() const noexcept { return header_.tensors; }
  uint64_t file_size() const noexcept { return file_size_; }

  // The entry named `name`, or nullptr.
  const TensorInfo* find(std::string_view name) const;
  // First byte of a tensor's data inside the mapping (`info` must come from this file).
  const std::byte* data(const TensorInfo& info) const noexcept;
  // madvise over the pages holding the tensor (rounded out to page boundaries). Advisory:
  // failures are ignored, because a hint never changes results.
  void advise(const TensorInfo& info, AccessHint hint) const noexcept;
  // madvise over the whole data section.
  void advise_all(AccessHint hint) const noexcept;

 private:
  SafetensorsFile() = default;
  void advise_range(uint64_t begin, uint64_t end, AccessHint hint) const noexcept;

  std::filesystem::path path_;
  SafetensorsHeader header_;
  std::unordered_map<std::string_view, size_t> by_name_;  // views into header_.tensors[i].name
  const std::byte* mapping_ = nullptr;
  uint64_t file_size_ = 0;
};

}  // namespace pio
