// steward: keeps a Kubernetes cluster matching desired-state YAML manifests.
//
// The command line lists only subcommands that work. A bad command line (unknown subcommand or flag,
// missing argument) prints one line on stderr and exits 2; `--help` prints help and exits 0.

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include "commands.hpp"

namespace {

// The first word on the command line that is not a subcommand (CLI11 leaves it unparsed on the
// top-level app, which takes no argument of its own), such as `rollout` in `steward rollout`.
std::optional<std::string> unknown_subcommand(const CLI::App& app) {
  for (const std::string& arg : app.remaining(false)) {
    if (!arg.starts_with('-')) return arg;
  }
  return std::nullopt;
}

int usage_error(const std::string& message) {
  std::cerr << "steward: " << message << " (see 'steward --help')\n";
  return steward::cmd::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace steward::cmd;

  CLI::App app{"steward keeps a Kubernetes cluster matching desired-state YAML manifests.",
               "steward"};
  app.require_subcommand(1, 1);
  app.footer(
      "Exit codes: 0 success, 1 failure, 2 bad command line (diff: 0 no changes, 1 changes, 2 "
      "error; status: 0 ready, 1 not ready or no answer).");

  std::map<std::string, Command> commands;
  commands["version"] = add_version_command(app);
  commands["check"] = add_check_command(app);
  commands["validate"] = add_validate_command(app);
  commands["run"] = add_run_command(app);
  commands["diff"] = add_diff_command(app);
  commands["status"] = add_status_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // First, as `steward rollout` does: CLI11 answers --help before it looks at what is left over,
    // so `steward status --help` would otherwise print the main help and exit 0.
    if (auto word = unknown_subcommand(app)) return usage_error("unknown subcommand '" + *word + "'");
    const bool help = dynamic_cast<const CLI::CallForHelp*>(&e) != nullptr ||
                      dynamic_cast<const CLI::CallForAllHelp*>(&e) != nullptr;
    return help ? app.exit(e) : usage_error(e.what());
  }

  for (const CLI::App* sub : app.get_subcommands()) {
    return commands.at(sub->get_name())();
  }
  return kExitUsage;  // unreachable: require_subcommand(1, 1)
}
