// Checkpoint: a model directory's safetensors (single file or sharded by an index) as one
// name -> tensor view map over read-only mappings.
#include "pio/sdk/checkpoint.h"

#include <algorithm>
#include <map>
#include <set>

#include "pio/sdk/json.h"

namespace pio {

namespace {

constexpr const char* kIndexName = "model.safetensors.index.json";
constexpr const char* kSingleName = "model.safetensors";

// A weight_map file name must stay inside the model directory.
bool is_plain_relative(const std::filesystem::path& p) {
  if (p.empty() || p.is_absolute()) return false;
  for (const auto& part : p)
    if (part == "..") return false;
  return true;
}

}  // namespace

int64_t TensorView::dim(size_t i) const {
  if (i >= shape.size()) throw_error(ErrorCode::kInternal, "tensor '{}': dim({}) of a rank-{} tensor", name, i, shape.size());
  return shape[i];
}

void TensorView::wrong_type(size_t requested_element_size) const {
  throw_error(ErrorCode::kInvalidArgument, "{}: tensor '{}' has dtype {}; it cannot be read as a {}-byte element type",
              file, name, dtype_name(dtype), requested_element_size);
}

std::unique_ptr<Checkpoint> Checkpoint::open(const std::filesystem::path& dir_or_file) {
  std::unique_ptr<Checkpoint> ckpt(new Checkpoint());
  ckpt->path_ = dir_or_file;
  std::error_code ec;
  if (!std::filesystem::exists(dir_or_file, ec)) {
    throw_error(ErrorCode::kNotFound, "{}: no such file or directory", dir_or_file.string());
  }
  if (!std::filesystem::is_directory(dir_or_file, ec)) {
    ckpt->files_.push_back(SafetensorsFile::open(dir_or_file));
    ckpt->add_file_tensors(*ckpt->files_.back());
    return ckpt;
  }

  const auto index_path = dir_or_file / kIndexName;
  if (!std::filesystem::exists(index_path, ec)) {
    const auto single = dir_or_file / kSingleName;
    if (!std::filesystem::exists(single, ec)) {
      throw_error(ErrorCode::kNotFound, "{}: no {} or {} in the model directory", dir_or_file.string(), kSingleName,
                  kIndexName);
    }
    ckpt->files_.push_back(SafetensorsFile::open(single));
    ckpt->add_file_tensors(*ckpt->files_.back());
    return ckpt;
  }

  // Sharded: weight_map {tensor name: shard file name}.
  const std::string index_name = index_path.string();
  JsonValue index = parse_json_file(index_path);
  if (!index.is_object()) throw_error(ErrorCode::kBadFormat, "{}: index is not a JSON object", index_name);
  JsonValue weight_map = index["weight_map"];
  if (!weight_map.is_object()) throw_error(ErrorCode::kBadFormat, "{}: weight_map is not an object", index_name);
  std::unordered_map<std::string, std::string> mapping;
  std::set<std::string> shard_names;  // sorted: model-00001-of-N first
  weight_map.for_each_member([&](std::string_view tensor, const JsonValue& file) {
    std::string shard = file.as<std::string>();
    if (!is_plain_relative(shard)) {
      throw_error(ErrorCode::kBadFormat, "{}: weight_map entry '{}' names '{}', which is not a file of the model directory",
                  index_name, tensor, shard);
    }
    mapping.emplace(std::string(tensor), shard);
    shard_names.insert(shard);
  });
  if (shard_names.empty()) throw_error(ErrorCode::kBadFormat, "{}: weight_map is empty", index_name);
  for (const auto& shard : shard_names) {
    const auto shard_path = dir_or_file / shard;
    if (!std::filesystem::exists(shard_path, ec)) {
      throw_error(ErrorCode::kNotFound, "{}: shard '{}' named in weight_map does not exist ({})", index_name, shard,
                  shard_path.string());
    }
  }
  for (const auto& shard : shard_names) {
    ckpt->files_.push_back(SafetensorsFile::open(dir_or_file / shard));
    ckpt->add_file_tensors(*ckpt->files_.back());
  }
  // Every mapped tensor must be where the index says. Tensors a shard holds beyond the index are
  // kept (transformers ignores them; they cost nothing until touched).
  for (const auto& [tensor, shard] : mapping) {
    auto it = ckpt->entries_.find(tensor);
    if (it == ckpt->entries_.end()) {
      throw_error(ErrorCode::kNotFound, "{}: weight_map maps tensor '{}' to '{}', which does not contain it",
                  index_name, tensor, shard);
    }
    if (it->second.file->path() != dir_or_file / shard) {
      throw_error(ErrorCode::kBadFormat, "{}: weight_map maps tensor '{}' to '{}', but it is stored in {}", index_name,
                  tensor, shard, it->second.file->path().string());
    }
  }
  return ckpt;
}

Checkpoint::~Checkpoint() = default;

void Checkpoint::add_file_tensors(const SafetensorsFile& file) {
  for (const auto& info : file.tensors()) {
    auto [it, inserted] = entries_.emplace(std::string_view(info.name), Entry{&file, &info});
    if (!inserted) {
      throw_error(ErrorCode::kBadFormat, "{}: tensor '{}' is stored in both {} and {}", path_.string(), info.name,
                  it->second.file->path().string(), file.path().string());
    }
    total_bytes_ += info.byte_size();
  }
}

std::vector<std::filesystem::path> Checkpoint::files() const {
  std::vector<std::filesystem::path> out;
  for (const auto& f : files_) out.push_back(f->path());
  return out;
}

TensorView Checkpoint::view(const Entry& entry) const {
  TensorView v;
  v.name = entry.info->name;
  v.dtype = entry.info->dtype;
  v.shape = entry.info->shape;
  v.data = entry.file->data(*entry.info);
  v.bytes = entry.info->byte_size();
  v.file = entry.file->path().native();
  return v;
}

std::optional<TensorView> Checkpoint::find(std::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return view(it->second);
}

TensorView Checkpoint::tensor(std::string_view name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    throw_error(ErrorCode::kNotFound, "{}: tensor '{}' not found in the checkpoint", path_.string(), name);
  }
  return view(it->second);
}

TensorView Checkpoint::require(std::string_view name, std::span<const int64_t> shape,
                               std::optional<DType> dtype) const {
  TensorView v = tensor(name);
  if (!std::equal(v.shape.begin(), v.shape.end(), shape.begin(), shape.end())) {
    throw_error(ErrorCode::kInvalidArgument, "{}: tensor '{}' has shape {}, expected {}", v.file, name,
                shape_to_string(v.shape), shape_to_string(shape));
  }
  if (dtype && v.dtype != *dtype) {
    throw_error(ErrorCode::kInvalidArgument, "{}: tensor '{}' has dtype {}, expected {}", v.file, name,
                dtype_name(v.dtype), dtype_name(*dtype));
  }
  return v;
}

std::vector<std::string> Checkpoint::names() const { return names_with_prefix(""); }

std::vector<std::string> Checkpoint::names_with_prefix(std::string_view prefix) const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : entries_)
    if (name.starts_with(prefix)) out.emplace_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

void Checkpoint::advise(const TensorView& tensor, AccessHint hint) const noexcept {
  auto it = entries_.find(tensor.name);
  if (it != entries_.end()) it->second.file->advise(*it->second.info, hint);
}

void Checkpoint::advise_prefix(std::string_view prefix, AccessHint hint) const noexcept {
  for (const auto& [name, entry] : entries_)
    if (name.starts_with(prefix)) entry.file->advise(*entry.info, hint);
}

void Checkpoint::advise_all(AccessHint hint) const noexcept {
  for (const auto& f : files_) f->advise_all(hint);
}

}  // namespace pio
