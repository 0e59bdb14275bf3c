// SHA-256 (FIPS 180-4), streaming (host-internal). Identifies a plugin build (the versioned copy's
// folder name, the PluginLoader's cache key) and checks a manifest's optional "sha256".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace pio::host {

class Sha256 {
 public:
  Sha256();
  // Adds `size` bytes. Thread-safety: one object per thread.
  void update(const void* data, size_t size);
  // The digest as 64 lowercase hex digits. Call once; the object is spent afterwards.
  std::string hex_digest();

 private:
  void compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

}  // namespace pio::host
