// Fuzz target: tokenizer.json parsing. Any input either loads or throws pio::Error; a loaded
// tokenizer must then encode and decode without crashing.
#include <cstdint>
#include <string_view>

#include "pio/sdk/error.h"
#include "pio/sdk/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  try {
    const pio::Tokenizer tok = pio::Tokenizer::from_json(json, "fuzz/tokenizer.json");
    const auto ids = tok.encode("Hello, world! 123 <s> caf\xC3\xA9 \xF0\x9F\x98\x80\n");
    (void)tok.decode(ids, true);
  } catch (const pio::Error&) {
  }
  return 0;
}
