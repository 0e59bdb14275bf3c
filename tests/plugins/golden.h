// Golden-test harness for model plugins: loads a plugin from the build tree through the real
// host loader and ABI, and the reference a tools/golden/ script recorded from transformers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pio/host/model.h"
#include "pio/host/session.h"

namespace pio::test {

// tests/fixtures/<relative>.
std::filesystem::path fixture_dir(const std::string& relative);

// Loads `model_dir` with the build tree's plugin `plugin_name`, through discovery, the loader
// (versioned copy, ABI checks) and model_load. options_json as in the ABI (may be empty).
std::shared_ptr<host::Model> load_model(const std::string& plugin_name,
                                        const std::filesystem::path& model_dir,
                                        const std::string& options_json = {});

// A reference tensor [rows, cols] (f32) and the token ids of a fixture's reference.safetensors.
struct ReferenceMatrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<float> values;  // row-major

  std::span<const float> row(int64_t r) const {
    return {values.data() + r * cols, static_cast<size_t>(cols)};
  }
};
ReferenceMatrix read_reference(const std::filesystem::path& fixture, const std::string& tensor);

// An i64 tensor of reference.safetensors (e.g. "input_ids") as token ids.
std::vector<pio_token> read_reference_ids(const std::filesystem::path& fixture,
                                          const std::string& tensor);

// ‖a − b‖₂ / ‖b‖₂.
double relative_l2(std::span<const float> a, std::span<const float> b);

// Index of the largest value.
int64_t argmax(std::span<const float> values);

}  // namespace pio::test
