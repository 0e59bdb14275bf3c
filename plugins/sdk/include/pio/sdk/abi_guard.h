// pio/sdk/abi_guard.h — the one place where C++ exceptions become ABI status objects.
//
// Every ABI entry body of the adapter runs inside pio::sdk::abi_guard(). It catches pio::Error
// (its code is kept), std::bad_alloc (PIO_ERR_OUT_OF_MEMORY), any other std::exception
// (PIO_ERR_INTERNAL, with what()) and anything else (PIO_ERR_INTERNAL), and returns a
// pio_status*. libtensor_ops' pio::ops::KernelError keeps its code (1..11 are ours; its
// refinements of "invalid argument", 20..23, become PIO_ERR_INVALID_ARGUMENT). Nothing
// escapes: the guard is noexcept.
//
// Plugins do not call this directly; the adapter (plugin.h) wraps every entry. It is public so
// that the conversion is testable and so that SDK code with its own C callbacks can reuse it.
#pragma once

#include <new>
#include <string_view>
#include <utility>

#include "pio/plugin_abi.h"
#include "pio/sdk/error.h"

namespace pio::sdk {

// Makes a status object owned by the caller of the ABI entry (freed by status_release()).
// Never throws: when even the message cannot be allocated it returns a static out-of-memory
// status that status_release() recognises and does not free. [any-thread]
pio_status* make_status(pio_status_code code, std::string_view message) noexcept;

// The ABI table's status functions (the adapter puts these in pio_plugin_api). [any-thread]
pio_status_code status_code(const pio_status* status) noexcept;
const char* status_message(const pio_status* status) noexcept;
void status_release(pio_status* status) noexcept;

// Converts the exception being handled into a status. Call only inside a catch block.
pio_status* status_from_current_exception() noexcept;

// Runs body() and returns NULL, or the status of the exception it threw. [any-thread]
template <typename Body>
pio_status* abi_guard(Body&& body) noexcept {
  try {
    std::forward<Body>(body)();
    return nullptr;
  } catch (...) {
    return status_from_current_exception();
  }
}

}  // namespace pio::sdk
