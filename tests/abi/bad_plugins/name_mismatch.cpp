// Loader test plugin: a working toy whose table says "toy" while its manifest says
// "name_mismatch". The host must refuse it, naming both.
#include "pio/sdk/plugin.h"
#include "../toy_plugin/toy_model.h"

namespace {
std::unique_ptr<pio::sdk::Model> load(const std::filesystem::path& dir, const pio::sdk::LoadOptions& options,
                                      const pio::sdk::Progress& progress) {
  return pio::toy::load_toy_model(dir, options, progress, 0.0f);
}
}  // namespace

PIO_PLUGIN("toy", "1.0.0", load)
