// pio/sdk/plugin.h — turns a C++ model class into a plugin: one macro defines the exported
// entry point and the adapter fills the C function table (pio/plugin_abi.h).
//
//   std::unique_ptr<pio::sdk::Model> load_toy(const std::filesystem::path& dir,
//                                             const pio::sdk::LoadOptions& options,
//                                             const pio::sdk::Progress& progress);
//   PIO_PLUGIN("toy", "1.0.0", load_toy)
//
// The adapter owns everything at the boundary: the table, the version checks, handle <-> object
// mapping, argument validation (NULLs, sizes, image descriptors, logits capacity), option
// parsing, and one exception guard per entry (pio/sdk/abi_guard.h). A plugin never writes
// extern "C" or reinterpret_cast.
//
// Lifetimes handled by the adapter: a Session keeps its Model alive (shared ownership), so the
// Model is destroyed by whichever of model_release / last session_release comes last.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "pio/plugin_abi.h"
#include "pio/sdk/abi_guard.h"
#include "pio/sdk/model.h"
#include "pio/sdk/model_options.h"
#include "pio/sdk/plugin_log.h"
#include "pio/sdk/plugin_progress.h"
#include "pio/sdk/session.h"

namespace pio::sdk {

// Loads a model directory. Throws pio::Error (kNotFound, kBadFormat, kUnsupported, ...) naming
// the file and the problem; poll progress.throw_if_cancelled() between tensors. [any-thread]
using LoadFunction = std::unique_ptr<Model> (*)(const std::filesystem::path& model_dir,
                                                const LoadOptions& options,
                                                const Progress& progress);

// What PIO_PLUGIN records about the plugin. name must equal the manifest's "name".
struct PluginDefinition {
  const char* name;     // static string
  const char* version;  // static string, e.g. "1.0.0"
  LoadFunction load;
};

namespace detail {

// The body of pio_plugin_get_api: remembers the host services (for pio::sdk::log), warns when
// the host's ABI major differs, and returns the static table built from `definition`. The
// first call fixes the definition; later calls only replace the host pointer. [any-thread]
const pio_plugin_api* plugin_entry(uint32_t host_abi_version, const pio_host_api* host,
                                   const PluginDefinition& definition) noexcept;

}  // namespace detail
}  // namespace pio::sdk

// Defines the plugin's exported entry point. Use exactly once per plugin, at namespace scope,
// in one source file: PIO_PLUGIN("name", "1.2.3", load_function)
#define PIO_PLUGIN(plugin_name, plugin_version, load_function)                               \
  extern "C" PIO_PLUGIN_EXPORT const pio_plugin_api* pio_plugin_get_api(                     \
      uint32_t host_abi_version, const pio_host_api* host) {                                 \
    static const ::pio::sdk::PluginDefinition pio_plugin_definition{(plugin_name),           \
                                                                    (plugin_version),        \
                                                                    &(load_function)};       \
    return ::pio::sdk::detail::plugin_entry(host_abi_version, host, pio_plugin_definition);  \
  }
