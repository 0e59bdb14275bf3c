// Test helper: runs a callable that must throw pio::Error and returns the error's message.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "pio/sdk/error.h"

namespace pio::test {

// Runs `fn`; checks that it throws pio::Error with code `expected` and returns its what(). Fails
// the test case (and returns "") when nothing is thrown; other exceptions propagate.
inline std::string error_of(const std::function<void()>& fn, pio::ErrorCode expected) {
  try {
    fn();
  } catch (const pio::Error& e) {
    CHECK(e.code() == expected);
    return e.what();
  }
  FAIL("no error thrown");
  return {};
}

}  // namespace pio::test
