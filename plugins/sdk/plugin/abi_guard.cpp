// Status objects and the exception -> status conversion (pio/sdk/abi_guard.h).
#include "pio/sdk/abi_guard.h"

#include <exception>
#include <string>

#include <fmt/format.h>

// libtensor_ops' C++ wrapper throws pio::ops::KernelError; only the (inline) class is needed.
#if PIO_SDK_HAVE_KERNEL_ERROR
#include <tensor_ops/tensor_ops.hpp>
#endif

// The ABI declares pio_status opaque; this adapter is its one definition inside a plugin.
struct pio_status {
  pio_status_code code;
  std::string message;
};

namespace pio::sdk {
namespace {

// Returned when not even the status object can be allocated. Never freed.
pio_status g_out_of_memory_status{PIO_ERR_OUT_OF_MEMORY, "out of memory (while reporting an error)"};

// ABI codes and pio::ErrorCode are the same numbers; a mismatch here is an ABI break.
static_assert(PIO_OK == static_cast<int>(ErrorCode::kOk));
static_assert(PIO_ERR_INVALID_ARGUMENT == static_cast<int>(ErrorCode::kInvalidArgument));
static_assert(PIO_ERR_NOT_FOUND == static_cast<int>(ErrorCode::kNotFound));
static_assert(PIO_ERR_UNSUPPORTED == static_cast<int>(ErrorCode::kUnsupported));
static_assert(PIO_ERR_OUT_OF_MEMORY == static_cast<int>(ErrorCode::kOutOfMemory));
static_assert(PIO_ERR_DEVICE == static_cast<int>(ErrorCode::kDevice));
static_assert(PIO_ERR_IO == static_cast<int>(ErrorCode::kIo));
static_assert(PIO_ERR_BAD_FORMAT == static_cast<int>(ErrorCode::kBadFormat));
static_assert(PIO_ERR_CANCELLED == static_cast<int>(ErrorCode::kCancelled));
static_assert(PIO_ERR_ABI_MISMATCH == static_cast<int>(ErrorCode::kAbiMismatch));
static_assert(PIO_ERR_CONTEXT_OVERFLOW == static_cast<int>(ErrorCode::kContextOverflow));
static_assert(PIO_ERR_INTERNAL == static_cast<int>(ErrorCode::kInternal));

#if PIO_SDK_HAVE_KERNEL_ERROR
// tops_status 1..11 are the same numbers as ours (tensor_ops/status.h); the codes >= 20
// (NULL pointer, shape, dtype, device mismatch) refine "invalid argument".
pio_status_code kernel_status_code(tops_status code) {
  if (code >= PIO_ERR_INVALID_ARGUMENT && code <= PIO_ERR_INTERNAL) return code;
  if (code >= TOPS_ERR_NULL_POINTER && code <= TOPS_ERR_DEVICE_MISMATCH) return PIO_ERR_INVALID_ARGUMENT;
  return PIO_ERR_INTERNAL;
}
static_assert(int{TOPS_ERR_CUDA} == int{PIO_ERR_DEVICE} && int{TOPS_ERR_OUT_OF_MEMORY} == int{PIO_ERR_OUT_OF_MEMORY} &&
              int{TOPS_ERR_UNSUPPORTED} == int{PIO_ERR_UNSUPPORTED} && int{TOPS_ERR_INTERNAL} == int{PIO_ERR_INTERNAL});
#endif

}  // namespace

pio_status* make_status(pio_status_code code, std::string_view message) noexcept {
  try {
    // A status always means failure: an OK code here is a bug in the caller.
    if (code == PIO_OK) return new pio_status{PIO_ERR_INTERNAL, "error reported with code OK: " + std::string(message)};
    return new pio_status{code, std::string(message)};
  } catch (...) {
    return &g_out_of_memory_status;
  }
}

pio_status_code status_code(const pio_status* status) noexcept {
  return status != nullptr ? status->code : PIO_ERR_INTERNAL;
}

const char* status_message(const pio_status* status) noexcept {
  return status != nullptr ? status->message.c_str() : "no status";
}

void status_release(pio_status* status) noexcept {
  if (status != &g_out_of_memory_status) delete status;
}

pio_status* status_from_current_exception() noexcept {
  try {
    throw;
  } catch (const Error& error) {
    return make_status(static_cast<pio_status_code>(error.code()), error.what());
  } catch (const std::bad_alloc&) {
    return make_status(PIO_ERR_OUT_OF_MEMORY, "out of memory");
#if PIO_SDK_HAVE_KERNEL_ERROR
  } catch (const ops::KernelError& error) {
    return make_status(kernel_status_code(error.code()), fmt::format("libtensor_ops: {}", error.what()));
#endif
  } catch (const std::exception& error) {
    return make_status(PIO_ERR_INTERNAL, std::string("internal error: ") + error.what());
  } catch (...) {
    return make_status(PIO_ERR_INTERNAL, "internal error: unknown exception");
  }
}

}  // namespace pio::sdk
