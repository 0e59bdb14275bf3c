// safetensors element types and the validating header parser (the fuzzed entry point).
#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <unordered_set>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "pio/sdk/error.h"
#include "pio/sdk/json.h"
#include "pio/sdk/safetensors.h"

namespace pio {

namespace {

struct DTypeEntry {
  DType dtype;
  const char* name;
  size_t size;
};

constexpr DTypeEntry kDTypes[] = {
    {DType::kF32, "F32", 4},      {DType::kF16, "F16", 2},          {DType::kBF16, "BF16", 2},
    {DType::kF64, "F64", 8},      {DType::kI8, "I8", 1},            {DType::kI16, "I16", 2},
    {DType::kI32, "I32", 4},      {DType::kI64, "I64", 8},          {DType::kU8, "U8", 1},
    {DType::kBool, "BOOL", 1},    {DType::kF8E4M3, "F8_E4M3", 1},   {DType::kF8E5M2, "F8_E5M2", 1},
};

std::string_view sv(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

}  // namespace

size_t dtype_size(DType dtype) noexcept {
  for (const auto& e : kDTypes)
    if (e.dtype == dtype) return e.size;
  return 0;
}

const char* dtype_name(DType dtype) noexcept {
  for (const auto& e : kDTypes)
    if (e.dtype == dtype) return e.name;
  return "?";
}

std::optional<DType> parse_dtype(std::string_view name) noexcept {
  for (const auto& e : kDTypes)
    if (name == e.name) return e.dtype;
  return std::nullopt;
}

std::string shape_to_string(std::span<const int64_t> shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

int64_t shape_numel(std::span<const int64_t> shape) noexcept {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file_bytes, uint64_t file_size,
                                           std::string_view file_name) {
  if (file_size < 8 || file_bytes.size() < 8) {
    throw_error(ErrorCode::kBadFormat, "{}: file is too short ({} bytes) to hold a safetensors header", file_name,
                file_size);
  }
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | static_cast<uint8_t>(file_bytes[static_cast<size_t>(i)]);
  if (header_len > kMaxSafetensorsHeaderBytes) {
    throw_error(ErrorCode::kBadFormat,
                "{}: header length {} exceeds the {} byte limit (corrupt file, or not a safetensors file)", file_name,
                header_len, kMaxSafetensorsHeaderBytes);
  }
  if (header_len > file_size - 8) {
    throw_error(ErrorCode::kBadFormat, "{}: header length {} exceeds the file size {} (truncated file?)", file_name,
                header_len, file_size);
  }
  if (file_bytes.size() < 8 + header_len) {
    throw_error(ErrorCode::kInternal, "{}: parse_safetensors_header got {} bytes, the header needs {}", file_name,
                file_bytes.size(), 8 + header_len);
  }

  SafetensorsHeader header;
  header.data_offset = 8 + header_len;
  header.data_size = file_size - header.data_offset;

  const char* text = reinterpret_cast<const char*>(file_bytes.data() + 8);
  rapidjson::Document doc;
  reject_oversized_exponents(std::string_view(text, header_len), file_name);
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag>(text, header_len);
  if (doc.HasParseError()) {
    throw_error(ErrorCode::kBadFormat, "{}: malformed JSON header at offset {} of {}: {}", file_name,
                doc.GetErrorOffset(), header_len, rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) throw_error(ErrorCode::kBadFormat, "{}: header JSON is not an object", file_name);

  std::unordered_set<std::string_view> seen;
  header.tensors.reserve(doc.MemberCount());
  // Iterate through a const view: RapidJSON's non-const member iterators trip clang's C++20
  // -Wambiguous-reversed-operator.
  const rapidjson::Value& root = doc;
  for (const auto& member : root.GetObject()) {
    std::string_view name = sv(member.name);
    if (!seen.insert(name).second) {
      throw_error(ErrorCode::kBadFormat, "{}: tensor '{}' appears twice in the header", file_name, name);
    }
    const auto& entry = member.value;
    if (name == "__metadata__") {
      if (!entry.IsObject()) throw_error(ErrorCode::kBadFormat, "{}: __metadata__ is not an object", file_name);
      for (const auto& kv : entry.GetObject()) {
        if (!kv.value.IsString()) {
          throw_error(ErrorCode::kBadFormat, "{}: __metadata__ value of '{}' is not a string", file_name, sv(kv.name));
        }
        header.metadata.emplace_back(std::string(sv(kv.name)), std::string(sv(kv.value)));
      }
      continue;
    }
    if (!entry.IsObject()) throw_error(ErrorCode::kBadFormat, "{}: tensor '{}': entry is not an object", file_name, name);

    TensorInfo info;
    info.name = std::string(name);

    auto dtype_it = entry.FindMember("dtype");
    if (dtype_it == entry.MemberEnd() || !dtype_it->value.IsString()) {
      throw_error(ErrorCode::kBadFormat, "{}: tensor '{}': missing or non-string \"dtype\"", file_name, name);
    }
    auto dtype = parse_dtype(sv(dtype_it->value));
    if (!dtype) {
      throw_error(ErrorCode::kBadFormat, "{}: tensor '{}': unsupported dtype '{}'", file_name, name,
                  sv(dtype_it->value));
    }
    info.dtype = *dtype;

    auto shape_it = entry.FindMember("shape");
    if (shape_it == entry.MemberEnd() || !shape_it->value.IsArray()) {
      throw_error(ErrorCode::kBadFormat, "{}: tensor '{}': missing or non-array \"shape\"", file_name, name);
    }
    // numel * element size must fit in 63 bits; checked dim by dim so that no product overflows.
    const uint64_t elem = dtype_size(info.dtype);
    uint64_t bytes = elem;
    for (const auto& d : shape_it->value.GetArray()) {
      if (!d.IsUint64() || d.GetUint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw_error(ErrorCode::kBadFormat, "{}: tensor '{}': shape entries must be non-negative integers", file_name,
                    name);
      }
      uint64_t dim = d.GetUint64();
      if (dim != 0 && bytes > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / dim)) {
        throw_error(ErrorCode::kBadFormat, "{}: tensor '{}': shape is too large", file_name, name);
      }
      bytes *= dim;
      info.shape.push_back(static_cast<int64_t>(dim));
    }

    auto off_it = entry.FindMember("data_offsets");
    if (off_it == entry.MemberEnd() || !off_it->value.IsArray() || off_it->value.Size() != 2 ||
        !off_it->value[0].IsUint64() || !off_it->value[1].IsUint64()) {
      throw_error(ErrorCode::kBadFormat, "{}: tensor '{}': \"data_offsets\" must be [begin, end] integers", file_name,
                  name);
    }
    info.data_begin = off_it->value[0].GetUint64();
    info.data_end = off_it->value[1].GetUint64();
    if (info.data_begin > info.data_end) {
      throw_error(ErrorCode::kBadFormat, "{}: tensor '{}': data_offsets [{}, {}] end before they begin", file_name,
                  name, info.data_begin, info.data_end);
    }
    if (info.data_end > header.data_size) {
      throw_error(ErrorCode::kBadFormat,
                  "{}: tensor '{}': data_offsets [{}, {}] lie outside the data section ({} bytes; truncated file?)",
                  file_name, name, info.data_begin, info.data_end, header.data_size);
    }
    if (info.byte_size() != bytes) {
      throw_error(ErrorCode::kBadFormat,
                  "{}: tensor '{}': data_offsets [{}, {}] hold {} bytes but {} {} needs {} bytes", file_name, name,
                  info.data_begin, info.data_end, info.byte_size(), dtype_name(info.dtype),
                  shape_to_string(info.shape), bytes);
    }
    header.tensors.push_back(std::move(info));
  }

  // No two tensors may share bytes. Sorting by start makes this one pass; empty tensors occupy nothing.
  std::vector<size_t> order(header.tensors.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return header.tensors[a].data_begin < header.tensors[b].data_begin;
  });
  const TensorInfo* previous = nullptr;
  for (size_t i : order) {
    const TensorInfo& t = header.tensors[i];
    if (t.byte_size() == 0) continue;
    if (previous && t.data_begin < previous->data_end) {
      throw_error(ErrorCode::kBadFormat, "{}: tensors '{}' [{}, {}] and '{}' [{}, {}] overlap", file_name,
                  previous->name, previous->data_begin, previous->data_end, t.name, t.data_begin, t.data_end);
    }
    previous = &t;
  }
  return header;
}

}  // namespace pio
