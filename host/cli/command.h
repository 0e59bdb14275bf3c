// The pieces every `pio` subcommand shares: global options, the command record, and the
// registration hooks. Each subcommand lives in its own file (cli/<name>_command.cpp) and is
// registered in cli/commands.cpp, the one list of commands.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

#include "pio/host/discovery.h"

namespace pio::cli {

// Options of the top-level `pio`, accepted before or after the subcommand.
struct GlobalOptions {
  int verbose = 0;     // -v: debug, -vv: trace
  bool quiet = false;  // --quiet: errors only
  std::vector<std::filesystem::path> plugin_dirs;  // --plugin-dir, searched before the defaults

  host::PluginSearchOptions search_options() const {
    host::PluginSearchOptions options;
    options.extra_dirs = plugin_dirs;
    return options;
  }
};

// A registered subcommand: its CLI11 node and what runs when it was chosen. `run` returns the
// process exit code; it may throw pio::Error (main prints "pio: error: <message>", exits 1).
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// One function per subcommand file. Each adds its subcommand to `app`; the returned Command's
// `run` reads the parsed options (captured by the closure) and `global`.
Command add_plugins_command(CLI::App& app, const GlobalOptions& global);
Command add_inspect_command(CLI::App& app, const GlobalOptions& global);
// Generation commands (host/cli/{run,chat,tokenize,template,logits,bench}_command.cpp).
Command add_run_command(CLI::App& app, const GlobalOptions& global);
Command add_chat_command(CLI::App& app, const GlobalOptions& global);
Command add_tokenize_command(CLI::App& app, const GlobalOptions& global);
Command add_template_command(CLI::App& app, const GlobalOptions& global);
Command add_logits_command(CLI::App& app, const GlobalOptions& global);
Command add_bench_command(CLI::App& app, const GlobalOptions& global);
// The OpenAI-compatible server (host/cli/serve_command.cpp over host/server/).
Command add_serve_command(CLI::App& app, const GlobalOptions& global);

// Registers every subcommand (cli/commands.cpp). Add new commands there.
std::vector<Command> add_all_commands(CLI::App& app, const GlobalOptions& global);

}  // namespace pio::cli
