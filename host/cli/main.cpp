// `pio`: the Inference-PIO command line. Parses global options, dispatches to one subcommand,
// and turns every error into a one-line message and a non-zero exit code.
#include <cstdio>
#include <exception>
#include <new>

#include <fmt/format.h>

#include "command.h"
#include "pio/host/logging.h"
#include "pio/plugin_abi.h"
#include "pio/sdk/error.h"

namespace {

// Exit codes: 0 success, 1 a failed operation (bad model dir, plugin error), 2 bad usage (CLI11).
constexpr int kExitFailure = 1;

pio::host::Verbosity verbosity_of(const pio::cli::GlobalOptions& global) {
  if (global.quiet) return pio::host::Verbosity::kQuiet;
  if (global.verbose >= 2) return pio::host::Verbosity::kTrace;
  if (global.verbose == 1) return pio::host::Verbosity::kVerbose;
  return pio::host::Verbosity::kNormal;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pio: LLM inference host with model-family plugins", "pio"};
  app.set_version_flag("--version", fmt::format("pio {} (plugin ABI {}.{})", PIO_VERSION_STRING,
                                                PIO_ABI_VERSION_MAJOR, PIO_ABI_VERSION_MINOR));
  app.require_subcommand(1);
  app.fallthrough();  // global options also after the subcommand: `pio plugins -v`

  pio::cli::GlobalOptions global;
  app.add_flag("-v,--verbose", global.verbose, "More logging (-v debug, -vv trace)");
  app.add_flag("-q,--quiet", global.quiet, "Log errors only");
  app.add_option("--plugin-dir", global.plugin_dirs,
                 "Folder to search for plugins before PIO_PLUGIN_PATH and the default folders (repeatable)")
      ->check(CLI::ExistingDirectory)
      ->allow_extra_args(false);

  const std::vector<pio::cli::Command> commands = pio::cli::add_all_commands(app, global);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // prints help / version / usage errors; 0 for --help and --version
  }

  pio::host::init_logging(verbosity_of(global));
  try {
    for (const pio::cli::Command& command : commands) {
      if (command.app->parsed()) return command.run();
    }
    std::fputs("pio: error: no subcommand given (see pio --help)\n", stderr);
    return kExitFailure;
  } catch (const std::bad_alloc&) {
    std::fputs("pio: error: out of memory\n", stderr);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pio: error: %s\n", e.what());
  }
  return kExitFailure;
}
