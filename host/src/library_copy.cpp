// Versioned private copies of plugin libraries (see library_copy.h).
#include "library_copy.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "pio/sdk/error.h"
#include "sha256.h"

namespace pio::host {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFolderPrefix = "pio-plugins-";

fs::path cache_root() {
  if (const char* dir = std::getenv("PIO_PLUGIN_CACHE_DIR"); dir != nullptr && *dir != '\0') return dir;
  std::error_code ec;
  fs::path tmp = fs::temp_directory_path(ec);
  return ec ? fs::path("/tmp") : tmp;
}

// Removes folders of earlier processes that died without cleaning up (crash, kill -9).
void sweep_stale_folders(const fs::path& root) {
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kFolderPrefix, 0) != 0) continue;
    char* end_ptr = nullptr;
    const long pid = std::strtol(name.c_str() + kFolderPrefix.size(), &end_ptr, 10);
    if (pid <= 0 || end_ptr == nullptr || *end_ptr != '\0' || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still alive
    std::error_code rm_ec;
    fs::remove_all(it->path(), rm_ec);
  }
}

// The per-process folder, created on first use and removed at exit.
class ProcessFolder {
 public:
  const fs::path& get() {
    std::call_once(once_, [this] {
      const fs::path root = cache_root();
      sweep_stale_folders(root);
      path_ = root / fmt::format("{}{}", kFolderPrefix, ::getpid());
      std::error_code ec;
      fs::create_directories(path_, ec);
      if (ec) error_ = fmt::format("{}: cannot create plugin cache folder: {}", path_.string(), ec.message());
    });
    if (!error_.empty()) throw Error(ErrorCode::kIo, error_);
    return path_;
  }
  ~ProcessFolder() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }

 private:
  std::once_flag once_;
  fs::path path_;
  std::string error_;
};

ProcessFolder& process_folder() {
  static ProcessFolder folder;
  return folder;
}

std::atomic<uint64_t> next_sequence{0};

}  // namespace

std::string library_content_hash(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open library for reading: {}", file.string(), std::strerror(errno));
  Sha256 hash;
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hash.update(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw_error(ErrorCode::kIo, "{}: read error", file.string());
  return hash.hex_digest();
}

LibraryCopy LibraryCopy::make(const fs::path& source) {
  std::ifstream in(source, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open library for reading: {}", source.string(), std::strerror(errno));

  // Copy to a temporary name first: the folder gets its final (hash) name only once the bytes are known.
  const uint64_t seq = next_sequence.fetch_add(1);
  const fs::path staging = process_folder().get() / fmt::format("{}-staging", seq);
  std::error_code ec;
  fs::create_directories(staging, ec);
  if (ec) throw_error(ErrorCode::kIo, "{}: cannot create folder: {}", staging.string(), ec.message());
  const fs::path staged_file = staging / source.filename();

  Sha256 hash;
  {
    std::ofstream out(staged_file, std::ios::binary | std::ios::trunc);
    if (!out) {
      fs::remove_all(staging, ec);
      throw_error(ErrorCode::kIo, "{}: cannot create library copy", staged_file.string());
    }
    std::vector<char> buffer(1 << 16);
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto n = in.gcount();
      hash.update(buffer.data(), static_cast<size_t>(n));
      out.write(buffer.data(), n);
    }
    if (in.bad() || !out) {
      out.close();
      fs::remove_all(staging, ec);
      throw_error(ErrorCode::kIo, "{}: copying the library to {} failed", source.string(), staged_file.string());
    }
  }

  LibraryCopy copy;
  copy.hash_ = hash.hex_digest();
  // 16 hex digits (64 bits) tell builds apart in a folder name; the full digest is kept.
  const fs::path folder = process_folder().get() / fmt::format("{}-{}", seq, copy.hash_.substr(0, 16));
  fs::rename(staging, folder, ec);
  if (ec) {
    fs::remove_all(staging, ec);
    throw_error(ErrorCode::kIo, "{}: cannot rename to {}: {}", staging.string(), folder.string(), ec.message());
  }
  copy.path_ = folder / source.filename();
  return copy;
}

LibraryCopy::LibraryCopy(LibraryCopy&& other) noexcept
    : path_(std::move(other.path_)), hash_(std::move(other.hash_)) {
  other.path_.clear();
}

LibraryCopy& LibraryCopy::operator=(LibraryCopy&& other) noexcept {
  if (this != &other) {
    LibraryCopy old(std::move(*this));
    path_ = std::move(other.path_);
    hash_ = std::move(other.hash_);
    other.path_.clear();
  }
  return *this;
}

LibraryCopy::~LibraryCopy() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_.parent_path(), ec);  // best effort; a leftover is swept by a later process
}

}  // namespace pio::host
