// Fuzz target: parse_safetensors_header on arbitrary bytes must either return a header whose
// every tensor lies inside the data section, or throw pio::Error — never crash or read out of
// bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "pio/sdk/error.h"
#include "pio/sdk/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto bytes = std::as_bytes(std::span<const uint8_t>(data, size));
    auto header = pio::parse_safetensors_header(bytes, size, "fuzz");
    for (const auto& t : header.tensors) {
      if (t.data_end > header.data_size || t.data_begin > t.data_end ||
          t.byte_size() != static_cast<uint64_t>(t.numel()) * pio::dtype_size(t.dtype)) {
        std::abort();  // validation let an inconsistent tensor through
      }
    }
  } catch (const pio::Error&) {
  }
  return 0;
}
