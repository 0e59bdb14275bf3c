// Status names and the thread-local last error message.
#include <string>

#include "core/guard.h"
#include "tensor_ops/status.h"

namespace {
thread_local std::string g_last_error;
}

namespace tops {
void set_last_error(const std::string& message) noexcept {
  try {
    g_last_error = message;
  } catch (...) {
    // Out of memory while storing the message: keep the previous one rather than throwing.
  }
}
}  // namespace tops

extern "C" {

TOPS_API const char* tops_status_name(tops_status status) {
  switch (status) {
    case TOPS_OK: return "TOPS_OK";
    case TOPS_ERR_INVALID_ARG: return "TOPS_ERR_INVALID_ARG";
    case TOPS_ERR_NOT_FOUND: return "TOPS_ERR_NOT_FOUND";
    case TOPS_ERR_UNSUPPORTED: return "TOPS_ERR_UNSUPPORTED";
    case TOPS_ERR_OUT_OF_MEMORY: return "TOPS_ERR_OUT_OF_MEMORY";
    case TOPS_ERR_CUDA: return "TOPS_ERR_CUDA";
    case TOPS_ERR_INTERNAL: return "TOPS_ERR_INTERNAL";
    case TOPS_ERR_NULL_POINTER: return "TOPS_ERR_NULL_POINTER";
    case TOPS_ERR_SHAPE_MISMATCH: return "TOPS_ERR_SHAPE_MISMATCH";
    case TOPS_ERR_DTYPE: return "TOPS_ERR_DTYPE";
    case TOPS_ERR_DEVICE_MISMATCH: return "TOPS_ERR_DEVICE_MISMATCH";
    default: return "TOPS_ERR_UNKNOWN";
  }
}

TOPS_API const char* tops_last_error_message(void) { return g_last_error.c_str(); }

}  // extern "C"
