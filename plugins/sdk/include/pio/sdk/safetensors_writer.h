// pio::SafetensorsWriter — writes one .safetensors file (checkpoint generators, tests, fixtures).
//
//   pio::SafetensorsWriter w;
//   w.add("w", pio::DType::kF32, {2, 3}, std::as_bytes(std::span(values)));   // copied now
//   w.add_lazy("big", pio::DType::kBF16, {151936, 1024},                      // produced while writing,
//              [&](std::span<std::byte> chunk, uint64_t byte_offset) {...});   // chunk by chunk
//   w.set_metadata("format", "pt");
//   w.write(dir / "model.safetensors");
//
// Layout: tensors in insertion order, contiguous, the header padded with spaces to a multiple of
// 8 bytes (as the reference implementation does) so that every tensor of an aligned dtype starts
// 8-byte aligned in a page-aligned mapping.
// Thread-safety: none (build and write from one thread; lazy fills may use threads internally).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "pio/sdk/safetensors.h"

namespace pio {

class SafetensorsWriter {
 public:
  // Produces bytes [byte_offset, byte_offset + chunk.size()) of a tensor's data into `chunk`.
  // Chunks arrive in order; every chunk but the last is lazy_chunk_bytes long.
  using Fill = std::function<void(std::span<std::byte> chunk, uint64_t byte_offset)>;
  // 64 MiB: large enough for sequential write speed, small enough that a generator's memory
  // stays flat however large the tensor.
  static constexpr uint64_t kDefaultLazyChunkBytes = 64ull << 20;

  // `lazy_chunk_bytes` must be a positive multiple of 8 (so chunks hold whole elements of every
  // dtype); otherwise kInvalidArgument.
  explicit SafetensorsWriter(uint64_t lazy_chunk_bytes = kDefaultLazyChunkBytes);

  // Adds a tensor whose bytes are copied now. Throws kInvalidArgument if the name repeats or
  // data.size() != numel x dtype_size.
  void add(std::string name, DType dtype, std::vector<int64_t> shape, std::span<const std::byte> data);
  // Convenience for typed host data (float -> F32, int64_t -> I64, int32_t -> I32, ...): the dtype
  // must match T (see dtype_matches).
  template <typename T>
  void add_typed(std::string name, DType dtype, std::vector<int64_t> shape, std::span<const T> values) {
    if (!dtype_matches<T>(dtype)) mismatched_type(name, dtype);
    add(std::move(name), dtype, std::move(shape), std::as_bytes(values));
  }
  // Adds a tensor whose bytes `fill` produces during write(). Throws kInvalidArgument if the name
  // repeats.
  void add_lazy(std::string name, DType dtype, std::vector<int64_t> shape, Fill fill);
  // Adds or replaces a "__metadata__" entry.
  void set_metadata(std::string key, std::string value);

  size_t size() const noexcept { return tensors_.size(); }
  // Sum of the tensors' data bytes.
  uint64_t data_bytes() const noexcept { return data_bytes_; }
  // The header JSON that write() will emit, including padding.
  std::string header_json() const;

  // Writes the file (to `path`.tmp, renamed on success so that readers never see half a file).
  // Throws kIo naming the path; exceptions from a Fill propagate (the temporary is removed).
  void write(const std::filesystem::path& path) const;

 private:
  struct Pending {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t bytes;
    std::vector<std::byte> data;  // when copied
    Fill fill;                    // when lazy
  };
  void check_new_name(const std::string& name) const;
  [[noreturn]] static void mismatched_type(const std::string& name, DType dtype);

  std::vector<Pending> tensors_;
  std::vector<std::pair<std::string, std::string>> metadata_;
  uint64_t data_bytes_ = 0;
  uint64_t lazy_chunk_bytes_;
};

}  // namespace pio
