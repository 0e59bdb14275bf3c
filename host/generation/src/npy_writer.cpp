#include "pio/generation/npy_writer.h"

#include <bit>
#include <fstream>

#include <fmt/format.h>

#include "pio/sdk/error.h"

namespace pio {

std::string npy_header_f32(std::span<const int64_t> shape) {
  // Python tuple syntax: () for 0-D, (3,) for 1-D, (2, 3) otherwise.
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i) dims += fmt::format("{}{}", i > 0 ? ", " : "", shape[i]);
  if (shape.size() == 1) dims += ",";
  std::string dict = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}), }}", dims);
  const size_t preamble = 10;  // magic (6) + version (2) + header length (2)
  const size_t unpadded = preamble + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict.push_back('\n');
  std::string header("\x93NUMPY\x01\x00", 8);
  const auto len = static_cast<uint16_t>(dict.size());
  header.push_back(static_cast<char>(len & 0xff));
  header.push_back(static_cast<char>(len >> 8));
  return header + dict;
}

void write_npy_f32(const std::filesystem::path& path, std::span<const int64_t> shape, std::span<const float> data) {
  static_assert(std::endian::native == std::endian::little, "npy writer assumes a little-endian host");
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) throw_error(ErrorCode::kInvalidArgument, "{}: negative dimension {}", path.string(), d);
    count *= d;
  }
  if (static_cast<size_t>(count) != data.size())
    throw_error(ErrorCode::kInvalidArgument, "{}: shape holds {} values but {} were given", path.string(), count,
                data.size());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw_error(ErrorCode::kIo, "{}: cannot open for writing", path.string());
  const std::string header = npy_header_f32(shape);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size_bytes()));
  out.close();
  if (!out) throw_error(ErrorCode::kIo, "{}: write failed", path.string());
}

}  // namespace pio
