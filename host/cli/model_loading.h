// Loading a model for the generation commands (run, chat, tokenize, template, logits, bench):
// the shared --model / --plugin / --threads / --context-length / --device / --load-options
// flags, plugin choice from config.json, and a progress bar on stderr when it is a terminal.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "command.h"
#include "pio/host/model.h"

namespace pio::cli {

struct ModelFlags {
  std::filesystem::path model_dir;
  std::string plugin;        // force a plugin by manifest name
  int threads = 0;           // 0 = the plugin's default (all cores)
  size_t context_length = 0; // 0 = the model's maximum
  std::string device;        // "", "cpu", "cuda", "cuda:N"
  std::string dtype;         // "", "auto", "f32", "f16", "bf16"
  std::string load_options;  // extra JSON object merged into the plugin's load options
};

// Adds --model (required), --plugin, --threads, --context-length, --device, --dtype,
// --load-options to `sub`.
void add_model_flags(CLI::App* sub, ModelFlags& flags);

// The plugin load-options JSON built from the flags (--load-options first, flags on top).
// Throws pio::Error kInvalidArgument when --load-options is not a JSON object.
std::string load_options_json(const ModelFlags& flags);

// Chooses the plugin (config.json, or --plugin), loads it and the model. Draws a progress bar on
// stderr while loading when stderr is a terminal. Throws pio::Error.
std::shared_ptr<host::Model> load_model(const ModelFlags& flags, const GlobalOptions& global);

}  // namespace pio::cli
