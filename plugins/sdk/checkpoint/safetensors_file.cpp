// SafetensorsFile: one read-only mmap of a .safetensors file, validated before use.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "pio/sdk/error.h"
#include "pio/sdk/safetensors.h"

namespace pio {

namespace {

int madvise_flag(AccessHint hint) {
  switch (hint) {
    case AccessHint::kNormal: return MADV_NORMAL;
    case AccessHint::kRandom: return MADV_RANDOM;
    case AccessHint::kSequential: return MADV_SEQUENTIAL;
    case AccessHint::kWillNeed: return MADV_WILLNEED;
    case AccessHint::kDontNeed: return MADV_DONTNEED;
  }
  return MADV_NORMAL;
}

// Closes a file descriptor on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  const std::string name = path.string();

  int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    throw_error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, "{}: cannot open: {}", name,
                std::strerror(err));
  }
  FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_error(ErrorCode::kIo, "{}: cannot stat: {}", name, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw_error(ErrorCode::kIo, "{}: not a regular file", name);
  file->file_size_ = static_cast<uint64_t>(st.st_size);
  if (file->file_size_ < 8) {
    throw_error(ErrorCode::kBadFormat, "{}: file is too short ({} bytes) to hold a safetensors header", name,
                file->file_size_);
  }
  // MAP_SHARED read-only: pages come from the page cache, nothing is copied, and MADV_DONTNEED
  // can drop them again (they are re-read from the file on the next touch).
  void* mapping = ::mmap(nullptr, file->file_size_, PROT_READ, MAP_SHARED, fd, 0);
  if (mapping == MAP_FAILED) throw_error(ErrorCode::kIo, "{}: mmap failed: {}", name, std::strerror(errno));
  file->mapping_ = static_cast<const std::byte*>(mapping);

  // The header is read once, sequentially; the data section's pattern is up to the plugin.
  file->header_ = parse_safetensors_header(std::span<const std::byte>(file->mapping_, file->file_size_),
                                           file->file_size_, name);
  file->by_name_.reserve(file->header_.tensors.size());
  for (size_t i = 0; i < file->header_.tensors.size(); ++i) file->by_name_.emplace(file->header_.tensors[i].name, i);
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_) ::munmap(const_cast<std::byte*>(mapping_), file_size_);
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &header_.tensors[it->second];
}

const std::byte* SafetensorsFile::data(const TensorInfo& info) const noexcept {
  return mapping_ + header_.data_offset + info.data_begin;
}

void SafetensorsFile::advise_range(uint64_t begin, uint64_t end, AccessHint hint) const noexcept {
  if (!mapping_ || begin >= end) return;
  static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  uint64_t lo = begin / page * page;
  uint64_t hi = std::min<uint64_t>((end + page - 1) / page * page, (file_size_ + page - 1) / page * page);
  (void)::madvise(const_cast<std::byte*>(mapping_) + lo, hi - lo, madvise_flag(hint));
}

void SafetensorsFile::advise(const TensorInfo& info, AccessHint hint) const noexcept {
  advise_range(header_.data_offset + info.data_begin, header_.data_offset + info.data_end, hint);
}

void SafetensorsFile::advise_all(AccessHint hint) const noexcept {
  advise_range(header_.data_offset, file_size_, hint);
}

}  // namespace pio
