// The one list of `pio` subcommands. A new command: write cli/<name>_command.cpp with
// add_<name>_command(), declare it in command.h, add it below and to host/CMakeLists.txt.
#include "command.h"

namespace pio::cli {

std::vector<Command> add_all_commands(CLI::App& app, const GlobalOptions& global) {
  std::vector<Command> commands;
  commands.push_back(add_plugins_command(app, global));
  commands.push_back(add_inspect_command(app, global));
  commands.push_back(add_run_command(app, global));
  commands.push_back(add_chat_command(app, global));
  commands.push_back(add_tokenize_command(app, global));
  commands.push_back(add_template_command(app, global));
  commands.push_back(add_logits_command(app, global));
  commands.push_back(add_bench_command(app, global));
  commands.push_back(add_serve_command(app, global));
  return commands;
}

}  // namespace pio::cli
