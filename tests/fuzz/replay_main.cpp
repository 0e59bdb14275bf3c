// Replay driver for fuzz targets in builds without libFuzzer (any non-clang compiler).
//
// Usage: <target> [--iterations N] [corpus files or directories...]
// Feeds every corpus input as is, then N deterministic random mutations of them (bit flips,
// truncations, byte insertions, splices), so each fuzz target runs in every CI build. The real
// coverage-guided fuzzing happens in the clang build (-DPIO_FUZZ=ON).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using Bytes = std::vector<uint8_t>;

void add_file(const std::filesystem::path& path, std::vector<Bytes>& corpus) {
  std::ifstream in(path, std::ios::binary);
  corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Bytes mutate(const std::vector<Bytes>& corpus, std::mt19937_64& rng) {
  Bytes input = corpus[rng() % corpus.size()];
  int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 5) {
      case 0:  // flip a bit
        if (!input.empty()) input[rng() % input.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // truncate
        if (!input.empty()) input.resize(rng() % input.size());
        break;
      case 2:  // insert a random byte
        input.insert(input.begin() + static_cast<long>(input.empty() ? 0 : rng() % input.size()),
                     static_cast<uint8_t>(rng()));
        break;
      case 3:  // overwrite with an interesting byte
        if (!input.empty()) {
          static const uint8_t kInteresting[] = {0, 0xff, 0x7f, 0x80, '"', '{', '}', '\\', '\n'};
          input[rng() % input.size()] = kInteresting[rng() % sizeof(kInteresting)];
        }
        break;
      default: {  // splice in a slice of another input
        const Bytes& other = corpus[rng() % corpus.size()];
        if (!other.empty()) {
          size_t from = rng() % other.size();
          size_t len = 1 + rng() % (other.size() - from);
          size_t at = input.empty() ? 0 : rng() % input.size();
          input.insert(input.begin() + static_cast<long>(at), other.begin() + static_cast<long>(from),
                       other.begin() + static_cast<long>(from + len));
        }
      }
    }
  }
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = 10000;
  std::vector<Bytes> corpus;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
      iterations = std::atol(argv[++i]);
    } else if (std::filesystem::is_directory(argv[i])) {
      for (const auto& entry : std::filesystem::directory_iterator(argv[i]))
        if (entry.is_regular_file()) add_file(entry.path(), corpus);
    } else {
      add_file(argv[i], corpus);
    }
  }
  if (corpus.empty()) corpus.push_back({});
  for (const Bytes& input : corpus) LLVMFuzzerTestOneInput(input.data(), input.size());
  std::mt19937_64 rng(0x5eed);
  for (long i = 0; i < iterations; ++i) {
    Bytes input = mutate(corpus, rng);
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::printf("replayed %zu corpus inputs and %ld mutations\n", corpus.size(), iterations);
  return 0;
}
