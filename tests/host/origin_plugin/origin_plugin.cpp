// The toy model as a plugin whose logit offset comes from a dependency found through
// RPATH $ORIGIN/deps. Loading it proves the host opens $ORIGIN-relative dependencies from the
// original folder although it loads the plugin itself from a private copy elsewhere.
#include "dependency.h"
#include "pio/sdk/plugin.h"
#include "toy_model.h"

namespace {

std::unique_ptr<pio::sdk::Model> load(const std::filesystem::path& model_dir, const pio::sdk::LoadOptions& options,
                                      const pio::sdk::Progress& progress) {
  return pio::toy::load_toy_model(model_dir, options, progress, pio_host_test_dependency_offset());
}

}  // namespace

PIO_PLUGIN("origin_dep", "1.0.0", load)
