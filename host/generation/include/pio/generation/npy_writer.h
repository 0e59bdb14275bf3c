// NumPy .npy writer (format version 1.0) for float32 arrays, used by `pio logits`.
//
// Layout: magic "\x93NUMPY", version 1.0, a little-endian header length, a Python-literal header
// {'descr': '<f4', 'fortran_order': False, 'shape': (d0, d1, ), } padded with spaces to a
// multiple of 64 bytes and ended by '\n', then the data in C order, little-endian.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace pio {

// The header bytes (magic through the '\n') for a float32 array of `shape`.
std::string npy_header_f32(std::span<const int64_t> shape);

// Writes `data` (product of `shape` floats, C order) to `path`. Throws pio::Error kInvalidArgument
// when the sizes disagree, kIo when the file cannot be written (naming the path).
void write_npy_f32(const std::filesystem::path& path, std::span<const int64_t> shape, std::span<const float> data);

}  // namespace pio
