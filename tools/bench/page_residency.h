// Which pages of a memory-mapped file this process has touched, read from /proc/self: the tool
// behind "bytes read per decoded token" (pio-touched-bytes). Linux only.
//
// The model plugin maps each checkpoint file itself (read-only, MAP_SHARED), possibly as several
// VMAs because it madvises sub-ranges (MADV_RANDOM over the MoE experts splits the mapping). This
// helper finds those VMAs by file identity in /proc/self/maps, never maps the file a second time,
// and answers per file offset whether the page is mapped into the process (/proc/self/pagemap
// "present" bit). `forget` drops the process's page-table entries of a file (MADV_DONTNEED, the
// page cache keeps the data), and `evict` drops the file's clean pages from the page cache
// (posix_fadvise DONTNEED), so that the next touch faults again and is seen.
//
// Granularity: a page (4 KiB here); the kernel's fault-around maps up to 64 KiB of already-cached
// neighbours on each read fault, which `evict` before a measurement keeps out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pio::bench {

// One VMA of a mapped file: [start, end) in the address space, mapping file offset `offset`.
struct FileMappingRange {
  uintptr_t start = 0;
  uintptr_t end = 0;
  uint64_t offset = 0;
};

// All VMAs of one file in this process.
struct FileMapping {
  std::filesystem::path path;
  uint64_t file_size = 0;
  std::vector<FileMappingRange> ranges;
};

// The VMAs of `path` (matched by device and inode, so any spelling of the path works) in
// /proc/self/maps. Throws pio::Error kNotFound when the file is not mapped, kIo when /proc cannot
// be read. Thread-safety: reentrant; the answer is a snapshot.
FileMapping find_file_mapping(const std::filesystem::path& path);

// Page size of the machine (sysconf).
uint64_t page_size();

// One flag per page of the file (index = file offset / page_size()): true when that page is
// present in this process's page tables. Pages not covered by any VMA are false. Throws pio::Error
// kIo when /proc/self/pagemap cannot be read.
std::vector<bool> present_pages(const FileMapping& mapping);

// Sum of the "Rss:" lines of /proc/self/smaps over the mapping's VMAs, in bytes.
uint64_t resident_bytes(const FileMapping& mapping);

// Drops this process's page-table entries for the whole mapping (MADV_DONTNEED; the data stays in
// the page cache and in the file, the mapping stays valid). Only for read-only mappings, which the
// checkpoint mappings are. Throws pio::Error kIo on failure.
void forget_pages(const FileMapping& mapping);

// Drops the file's clean, unmapped pages from the page cache (posix_fadvise POSIX_FADV_DONTNEED),
// so that the next access reads from storage. Advisory: pages still mapped somewhere stay.
void evict_from_page_cache(const std::filesystem::path& path);

// Bytes this process has caused to be read from storage so far ("read_bytes" of /proc/self/io),
// or -1 when the kernel does not report it.
int64_t storage_read_bytes();

}  // namespace pio::bench
