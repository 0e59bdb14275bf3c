// tops::Error: how kernel code reports a failure internally. Backend code (CPU and CUDA) throws;
// the C entry point of every op catches once (core/guard.h) and turns it into a tops_status plus
// the thread-local message. Plain std::string messages, so .cu files need no fmt.
#pragma once

#include <stdexcept>
#include <string>

#include "tensor_ops/status.h"

namespace tops {

class Error : public std::runtime_error {
 public:
  Error(tops_status code, const std::string& message) : std::runtime_error(message), code_(code) {}
  tops_status code() const noexcept { return code_; }

 private:
  tops_status code_;
};

[[noreturn]] inline void fail(tops_status code, const std::string& message) { throw Error(code, message); }

}  // namespace tops
