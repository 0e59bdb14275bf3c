// SHA-256 of the host (host/src/sha256.h) against the FIPS 180-4 / NIST example vectors, and the
// manifest's "sha256" check in the loader.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "library_copy.h"
#include "pio/host/plugin.h"
#include "pio/sdk/error.h"
#include "sha256.h"
#include "test_plugins.h"

namespace {

std::string sha256_of(const std::string& text, size_t chunk) {
  pio::host::Sha256 hash;
  for (size_t i = 0; i < text.size(); i += chunk) hash.update(text.data() + i, std::min(chunk, text.size() - i));
  return hash.hex_digest();
}

}  // namespace

TEST_CASE("SHA-256 matches the NIST example vectors, whatever the chunking", "[host][sha256]") {
  const size_t chunk = GENERATE(1, 3, 63, 64, 65, 1000000);
  CHECK(sha256_of("", chunk) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_of("abc", chunk) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", chunk) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_of(std::string(1000000, 'a'), chunk) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("a file's content hash is its SHA-256", "[host][sha256]") {
  pio::test::TempDir dir;
  pio::test::write_file(dir / "f", "abc");
  CHECK(pio::host::library_content_hash(dir / "f") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("the loader checks a manifest's sha256 against the library", "[host][sha256][loader]") {
  pio::test::TempDir dir;
  const auto folder = dir / "toy";
  pio::test::copy_plugin_folder(pio::test::test_plugin_dir() / "toy-1.0.0", folder);
  const std::string actual = pio::host::library_content_hash(folder / "libpio_toy.so");
  std::string manifest_text = pio::test::read_file(folder / "plugin_manifest.json");
  const auto add_digest = [&](const std::string& digest) {
    std::string text = manifest_text;
    text.insert(text.find('{') + 1, fmt::format("\n  \"sha256\": \"{}\",", digest));
    pio::test::write_file(folder / "plugin_manifest.json", text);
    return pio::host::read_manifest(folder / "plugin_manifest.json");
  };

  SECTION("matching digest (any case) loads") {
    std::string upper = actual;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto plugin = pio::host::Plugin::load(add_digest(upper));
    CHECK(plugin->content_hash() == actual);
  }
  SECTION("a different digest is refused") {
    const std::string wrong = std::string(63, '0') + "1";
    try {
      pio::host::Plugin::load(add_digest(wrong));
      FAIL("no exception");
    } catch (const pio::Error& e) {
      CHECK(e.code() == pio::ErrorCode::kBadFormat);
      CHECK(std::string(e.what()).find(fmt::format("SHA-256 {} does not match the manifest's sha256 {}", actual,
                                                   wrong)) != std::string::npos);
    }
  }
  SECTION("a digest that is not 64 hex digits is a manifest error") {
    try {
      add_digest("abc123");
      FAIL("no exception");
    } catch (const pio::Error& e) {
      CHECK(std::string(e.what()).find("/sha256: expected 64 hex digits") != std::string::npos);
    }
  }
}
