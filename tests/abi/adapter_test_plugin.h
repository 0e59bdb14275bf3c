// An in-process plugin for the adapter tests: its load function follows a script encoded in the
// model_dir string, so each test can make the C++ side throw a chosen exception.
//   "ok"                 a text model: vocab 8, context 16, byte-ish tokenizer (id = byte % 8)
//   "ok-vision"          the same, with capabilities.vision
//   "throw:<kind>"       load throws: error:<code>, bad_alloc, runtime_error, int,
//                        kernel:shape, kernel:cuda (pio::ops::KernelError)
//   "cancel"             load polls the progress and throws kCancelled if asked
#pragma once

#include <atomic>

namespace pio::adapter_test {

inline constexpr int kVocab = 8;
inline constexpr int kContext = 16;

// Live objects of the test plugin, to check lifetimes across the ABI.
inline std::atomic<int> live_models{0};
inline std::atomic<int> live_sessions{0};

}  // namespace pio::adapter_test
