#include "page_residency.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "pio/sdk/error.h"

namespace pio::bench {
namespace {

// Closes a file descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// One parsed line of /proc/self/maps.
struct MapsLine {
  uintptr_t start = 0, end = 0;
  uint64_t offset = 0;
  unsigned dev_major = 0, dev_minor = 0;
  uint64_t inode = 0;
};

bool parse_maps_line(const std::string& line, MapsLine& out) {
  // "7f..-7f.. r--s 00001000 fd:01 123456   /path"
  char perms[8] = {};
  unsigned long long start = 0, end = 0, offset = 0, inode = 0;
  unsigned maj = 0, min = 0;
  if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %x:%x %llu", &start, &end, perms, &offset, &maj, &min, &inode) != 7)
    return false;
  out = {static_cast<uintptr_t>(start), static_cast<uintptr_t>(end), offset, maj, min, inode};
  return true;
}

}  // namespace

uint64_t page_size() { return static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)); }

FileMapping find_file_mapping(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw_error(ErrorCode::kNotFound, "{}: stat failed: {}", path.string(), std::strerror(errno));
  std::ifstream maps("/proc/self/maps");
  if (!maps) throw_error(ErrorCode::kIo, "/proc/self/maps: cannot open");
  FileMapping mapping{path, static_cast<uint64_t>(st.st_size), {}};
  for (std::string line; std::getline(maps, line);) {
    MapsLine m;
    if (!parse_maps_line(line, m)) continue;
    if (m.inode != st.st_ino || makedev(m.dev_major, m.dev_minor) != st.st_dev) continue;
    mapping.ranges.push_back({m.start, m.end, m.offset});
  }
  if (mapping.ranges.empty())
    throw_error(ErrorCode::kNotFound, "{}: not mapped in this process (did the plugin mmap it?)", path.string());
  return mapping;
}

std::vector<bool> present_pages(const FileMapping& mapping) {
  const uint64_t ps = page_size();
  std::vector<bool> present((mapping.file_size + ps - 1) / ps, false);
  Fd pagemap{::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)};
  if (pagemap.fd < 0) throw_error(ErrorCode::kIo, "/proc/self/pagemap: open failed: {}", std::strerror(errno));
  std::vector<uint64_t> entries;
  for (const FileMappingRange& r : mapping.ranges) {
    const uint64_t pages = (r.end - r.start) / ps;
    entries.resize(pages);
    const off_t at = static_cast<off_t>(r.start / ps * sizeof(uint64_t));
    const ssize_t want = static_cast<ssize_t>(pages * sizeof(uint64_t));
    if (::pread(pagemap.fd, entries.data(), static_cast<size_t>(want), at) != want)
      throw_error(ErrorCode::kIo, "/proc/self/pagemap: short read for {:#x}-{:#x}", r.start, r.end);
    for (uint64_t i = 0; i < pages; ++i) {
      const uint64_t file_page = r.offset / ps + i;
      if (file_page < present.size() && (entries[i] >> 63) != 0) present[file_page] = true;  // bit 63: present
    }
  }
  return present;
}

uint64_t resident_bytes(const FileMapping& mapping) {
  std::ifstream smaps("/proc/self/smaps");
  if (!smaps) throw_error(ErrorCode::kIo, "/proc/self/smaps: cannot open");
  uint64_t total = 0;
  bool in_mapping = false;
  for (std::string line; std::getline(smaps, line);) {
    MapsLine m;
    if (parse_maps_line(line, m)) {  // a VMA header line
      in_mapping = false;
      for (const FileMappingRange& r : mapping.ranges) in_mapping |= (r.start == m.start);
      continue;
    }
    unsigned long long kib = 0;
    if (in_mapping && std::sscanf(line.c_str(), "Rss: %llu kB", &kib) == 1) total += kib * 1024;
  }
  return total;
}

void forget_pages(const FileMapping& mapping) {
  for (const FileMappingRange& r : mapping.ranges) {
    if (::madvise(reinterpret_cast<void*>(r.start), r.end - r.start, MADV_DONTNEED) != 0)
      throw_error(ErrorCode::kIo, "{}: madvise(MADV_DONTNEED) failed: {}", mapping.path.string(), std::strerror(errno));
  }
}

void evict_from_page_cache(const std::filesystem::path& path) {
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return;
  (void)::posix_fadvise(file.fd, 0, 0, POSIX_FADV_DONTNEED);
}

int64_t storage_read_bytes() {
  std::ifstream io("/proc/self/io");
  for (std::string line; std::getline(io, line);) {
    unsigned long long bytes = 0;
    if (std::sscanf(line.c_str(), "read_bytes: %llu", &bytes) == 1) return static_cast<int64_t>(bytes);
  }
  return -1;
}

}  // namespace pio::bench
