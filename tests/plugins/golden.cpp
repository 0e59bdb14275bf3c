// The golden-test harness.
#include "golden.h"

#include <algorithm>
#include <cmath>

#include "pio/host/discovery.h"
#include "pio/host/plugin.h"
#include "pio/sdk/error.h"
#include "pio/sdk/checkpoint.h"

namespace pio::test {

std::filesystem::path fixture_dir(const std::string& relative) {
  return std::filesystem::path(PIO_TEST_FIXTURES_DIR) / relative;
}

std::shared_ptr<host::Model> load_model(const std::string& plugin_name,
                                        const std::filesystem::path& model_dir,
                                        const std::string& options_json) {
  host::PluginCatalog catalog = host::discover_plugins({std::filesystem::path(PIO_TEST_PLUGIN_DIR)});
  const host::PluginManifest* manifest = catalog.find(plugin_name);
  if (manifest == nullptr) {
    throw_error(ErrorCode::kNotFound, "plugin '{}' not found in {}", plugin_name, PIO_TEST_PLUGIN_DIR);
  }
  host::ModelLoadOptions options;
  options.options_json = options_json;
  return host::Model::load(host::Plugin::load(*manifest), model_dir, options);
}

ReferenceMatrix read_reference(const std::filesystem::path& fixture, const std::string& tensor) {
  std::unique_ptr<Checkpoint> file = Checkpoint::open(fixture / "reference.safetensors");
  const TensorView view = file->tensor(tensor);
  ReferenceMatrix m;
  m.rows = view.dim(0);
  m.cols = view.rank() > 1 ? view.dim(1) : 1;
  std::span<const float> data = view.as<float>();
  m.values.assign(data.begin(), data.end());
  return m;
}

std::vector<pio_token> read_reference_ids(const std::filesystem::path& fixture,
                                          const std::string& tensor) {
  std::unique_ptr<Checkpoint> file = Checkpoint::open(fixture / "reference.safetensors");
  std::span<const int64_t> ids = file->tensor(tensor).as<int64_t>();
  return std::vector<pio_token>(ids.begin(), ids.end());
}

double relative_l2(std::span<const float> a, std::span<const float> b) {
  double diff = 0.0, norm = 0.0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    norm += double(b[i]) * b[i];
  }
  if (a.size() != b.size()) return INFINITY;
  return std::sqrt(diff) / std::max(std::sqrt(norm), 1e-30);
}

int64_t argmax(std::span<const float> values) {
  return std::max_element(values.begin(), values.end()) - values.begin();
}

}  // namespace pio::test
