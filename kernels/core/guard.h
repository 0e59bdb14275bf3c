// The one place where C++ exceptions become tops_status codes: every exported function body runs
// inside tops::guard(op_name, body). Messages get the op name as prefix ("tops_rmsnorm: ...").
#pragma once

#include <exception>
#include <new>
#include <string>

#include "core/error.h"
#include "tensor_ops/status.h"

namespace tops {

// Stores `message` as this thread's last error message (see tops_last_error_message).
void set_last_error(const std::string& message) noexcept;

template <class Body>
tops_status guard(const char* op, Body&& body) noexcept {
  try {
    body();
    return TOPS_OK;
  } catch (const Error& e) {
    set_last_error(std::string(op) + ": " + e.what());
    return e.code();
  } catch (const std::bad_alloc&) {
    set_last_error(std::string(op) + ": out of host memory");
    return TOPS_ERR_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    set_last_error(std::string(op) + ": internal error: " + e.what());
    return TOPS_ERR_INTERNAL;
  } catch (...) {
    set_last_error(std::string(op) + ": internal error: unknown exception");
    return TOPS_ERR_INTERNAL;
  }
}

}  // namespace tops
