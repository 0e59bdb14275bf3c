// pio::Error — the one exception type of the C++ side (SDK, plugins, host).
//
// Inside C++ code a recoverable failure (bad file, missing tensor, shape mismatch, OOM, bad
// request) is thrown as pio::Error; the ABI adapter converts it once, at the boundary, into a
// status whose code is the same number (see abi/include/pio/plugin_abi.h, pio_status_code).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace pio {

// Values are part of the ABI (pio_status_code): append only, never renumber.
enum class ErrorCode : int32_t {
  kOk = 0,
  kInvalidArgument = 1,  // a caller passed something wrong (bad option, bad request)
  kNotFound = 2,         // a file, tensor, token or name does not exist
  kUnsupported = 3,      // valid, but not implemented by this plugin / build
  kOutOfMemory = 4,
  kDevice = 5,           // CUDA or other accelerator failure
  kIo = 6,               // reading or mapping a file failed
  kBadFormat = 7,        // a file exists but its contents are malformed
  kCancelled = 8,        // the host's cancellation flag was raised
  kAbiMismatch = 9,      // incompatible plugin ABI version
  kContextOverflow = 10, // more tokens than the session's context holds
  kInternal = 11,        // a bug: an invariant did not hold
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message) : std::runtime_error(std::move(message)), code_(code) {}

  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

// throw_error(ErrorCode::kBadFormat, "{}: header length {} exceeds file size", path, n);
template <typename... Args>
[[noreturn]] void throw_error(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(code, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace pio
