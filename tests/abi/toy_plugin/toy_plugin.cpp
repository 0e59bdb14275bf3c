// The toy plugin's entry point. Built twice (tests/abi/CMakeLists.txt): toy 1.0.0 and toy
// 1.1.0 differ only in PIO_TOY_VERSION and PIO_TOY_LOGIT_OFFSET.
#include "pio/sdk/plugin.h"
#include "toy_model.h"

namespace {

std::unique_ptr<pio::sdk::Model> load(const std::filesystem::path& model_dir, const pio::sdk::LoadOptions& options,
                                      const pio::sdk::Progress& progress) {
  return pio::toy::load_toy_model(model_dir, options, progress, PIO_TOY_LOGIT_OFFSET);
}

}  // namespace

PIO_PLUGIN("toy", PIO_TOY_VERSION, load)
