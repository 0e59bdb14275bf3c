// SafetensorsWriter: header JSON, then the tensors' bytes in insertion order.
#include "pio/sdk/safetensors_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "pio/sdk/error.h"
#include "pio/sdk/json.h"

namespace pio {

namespace {

uint64_t byte_size_of(const std::string& name, DType dtype, const std::vector<int64_t>& shape) {
  uint64_t bytes = dtype_size(dtype);
  for (int64_t d : shape) {
    if (d < 0) throw_error(ErrorCode::kInvalidArgument, "tensor '{}': negative dimension in {}", name, shape_to_string(shape));
    bytes *= static_cast<uint64_t>(d);
  }
  return bytes;
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};

}  // namespace

SafetensorsWriter::SafetensorsWriter(uint64_t lazy_chunk_bytes) : lazy_chunk_bytes_(lazy_chunk_bytes) {
  if (lazy_chunk_bytes == 0 || lazy_chunk_bytes % 8 != 0) {
    throw_error(ErrorCode::kInvalidArgument, "lazy chunk size {} is not a positive multiple of 8", lazy_chunk_bytes);
  }
}

void SafetensorsWriter::check_new_name(const std::string& name) const {
  if (name == "__metadata__") throw_error(ErrorCode::kInvalidArgument, "'__metadata__' is not a valid tensor name");
  for (const auto& t : tensors_)
    if (t.name == name) throw_error(ErrorCode::kInvalidArgument, "tensor '{}' added twice", name);
}

void SafetensorsWriter::mismatched_type(const std::string& name, DType dtype) {
  throw_error(ErrorCode::kInvalidArgument, "tensor '{}': host element type does not match dtype {}", name,
              dtype_name(dtype));
}

void SafetensorsWriter::add(std::string name, DType dtype, std::vector<int64_t> shape, std::span<const std::byte> data) {
  check_new_name(name);
  uint64_t bytes = byte_size_of(name, dtype, shape);
  if (bytes != data.size()) {
    throw_error(ErrorCode::kInvalidArgument, "tensor '{}': {} {} needs {} bytes, got {}", name, dtype_name(dtype),
                shape_to_string(shape), bytes, data.size());
  }
  Pending p{std::move(name), dtype, std::move(shape), bytes, std::vector<std::byte>(data.begin(), data.end()), {}};
  tensors_.push_back(std::move(p));
  data_bytes_ += bytes;
}

void SafetensorsWriter::add_lazy(std::string name, DType dtype, std::vector<int64_t> shape, Fill fill) {
  check_new_name(name);
  uint64_t bytes = byte_size_of(name, dtype, shape);
  Pending p{std::move(name), dtype, std::move(shape), bytes, {}, std::move(fill)};
  tensors_.push_back(std::move(p));
  data_bytes_ += bytes;
}

void SafetensorsWriter::set_metadata(std::string key, std::string value) {
  for (auto& kv : metadata_) {
    if (kv.first == key) {
      kv.second = std::move(value);
      return;
    }
  }
  metadata_.emplace_back(std::move(key), std::move(value));
}

std::string SafetensorsWriter::header_json() const {
  std::string json = "{";
  bool first = true;
  if (!metadata_.empty()) {
    json += "\"__metadata__\":{";
    for (size_t i = 0; i < metadata_.size(); ++i) {
      if (i) json += ',';
      json += json_quote(metadata_[i].first) + ':' + json_quote(metadata_[i].second);
    }
    json += '}';
    first = false;
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    if (!first) json += ',';
    first = false;
    json += json_quote(t.name);
    json += ":{\"dtype\":\"";
    json += dtype_name(t.dtype);
    json += "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) {
      if (i) json += ',';
      json += std::to_string(t.shape[i]);
    }
    json += "],\"data_offsets\":[" + std::to_string(offset) + ',' + std::to_string(offset + t.bytes) + "]}";
    offset += t.bytes;
  }
  json += '}';
  // Pad so that the data section starts at a multiple of 8 (8-byte length prefix + header).
  while (json.size() % 8 != 0) json += ' ';
  return json;
}

void SafetensorsWriter::write(const std::filesystem::path& path) const {
  const std::string header = header_json();
  auto tmp = path;
  tmp += ".tmp";
  const std::string tmp_name = tmp.string();
  std::unique_ptr<std::FILE, FileCloser> out(std::fopen(tmp_name.c_str(), "wb"));
  if (!out) throw_error(ErrorCode::kIo, "{}: cannot create: {}", tmp_name, std::strerror(errno));
  auto put = [&](const void* data, size_t n) {
    if (n && std::fwrite(data, 1, n, out.get()) != n) {
      int err = errno;
      out.reset();
      std::filesystem::remove(tmp);
      throw_error(ErrorCode::kIo, "{}: write failed: {}", tmp_name, std::strerror(err));
    }
  };
  try {
    uint8_t prefix[8];
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) prefix[i] = static_cast<uint8_t>(n >> (8 * i));
    put(prefix, 8);
    put(header.data(), header.size());
    std::vector<std::byte> chunk;
    for (const auto& t : tensors_) {
      if (!t.fill) {
        put(t.data.data(), t.data.size());
        continue;
      }
      for (uint64_t done = 0; done < t.bytes;) {
        uint64_t len = std::min<uint64_t>(lazy_chunk_bytes_, t.bytes - done);
        chunk.resize(len);
        t.fill(std::span<std::byte>(chunk.data(), len), done);
        put(chunk.data(), len);
        done += len;
      }
    }
  } catch (...) {
    out.reset();
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
  if (std::fclose(out.release()) != 0) {
    std::filesystem::remove(tmp);
    throw_error(ErrorCode::kIo, "{}: close failed: {}", tmp_name, std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw_error(ErrorCode::kIo, "{}: cannot rename to {}: {}", tmp_name, path.string(), ec.message());
}

}  // namespace pio
