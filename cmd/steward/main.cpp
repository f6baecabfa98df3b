// steward: keeps a Kubernetes cluster matching desired-state YAML manifests.
//
// The command line lists only subcommands that work. A bad command line (unknown subcommand or flag,
// missing argument) prints one line on stderr and exits 2; `--help` prints help and exits 0.

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <string>

#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace steward::cmd;

  CLI::App app{"steward keeps a Kubernetes cluster matching desired-state YAML manifests.",
               "steward"};
  app.require_subcommand(1, 1);
  app.footer(
      "Exit codes: 0 success, 1 failure, 2 bad command line (diff: 0 no changes, 1 changes, 2 "
      "error).");

  std::map<std::string, Command> commands;
  commands["version"] = add_version_command(app);
  commands["check"] = add_check_command(app);
  commands["validate"] = add_validate_command(app);
  commands["run"] = add_run_command(app);
  commands["diff"] = add_diff_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "steward: " << e.what() << " (see 'steward --help')\n";
    return kExitUsage;
  }

  for (const CLI::App* sub : app.get_subcommands()) {
    return commands.at(sub->get_name())();
  }
  return kExitUsage;  // unreachable: require_subcommand(1, 1)
}
