// A private, versioned copy of a plugin library file (host-internal).
//
// Why: dlopen() returns the image already loaded for a path (and for the same inode), so a new
// build of a plugin copied over the old file, or a second copy of one .so, could not be loaded
// next to the old one. Loading every library from a fresh copy gives each load its own image,
// and therefore its own statics, and lets the old image be unloaded independently.
//
// Copies live in <cache>/pio-plugins-<pid>/<seq>-<sha256 prefix>/<file name>, where <cache> is
// $PIO_PLUGIN_CACHE_DIR or the system temp folder (override it when /tmp is mounted noexec).
// A copy is deleted with its LibraryCopy object; the per-process folder is removed at exit, and
// folders left by processes that no longer exist are swept on first use.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace pio::host {

class LibraryCopy {
 public:
  // Copies `source` into a new private folder, hashing the bytes on the way.
  // Throws pio::Error (kIo) naming the file when reading or writing fails.
  static LibraryCopy make(const std::filesystem::path& source);

  LibraryCopy() = default;
  LibraryCopy(LibraryCopy&& other) noexcept;
  LibraryCopy& operator=(LibraryCopy&& other) noexcept;
  LibraryCopy(const LibraryCopy&) = delete;
  LibraryCopy& operator=(const LibraryCopy&) = delete;
  ~LibraryCopy();  // removes the copy and its folder; never throws

  const std::filesystem::path& path() const { return path_; }
  // SHA-256 of the content (64 lowercase hex digits), computed while copying: it identifies the
  // build and is what a manifest's "sha256" is checked against.
  const std::string& content_hash() const { return hash_; }

 private:
  std::filesystem::path path_;
  std::string hash_;
};

// The content hash LibraryCopy would compute for `file`, without copying it. Throws pio::Error (kIo).
std::string library_content_hash(const std::filesystem::path& file);

}  // namespace pio::host
