#pragma once
// The subcommands of the `steward` binary. Each registers itself on the CLI11 app and returns the
// function that runs it once the command line has parsed.
//
// Exit codes (docs/cli.md): 0 success, 1 the command failed at run time, 2 bad command line;
// `diff` uses kubectl diff's instead (0 no changes, 1 changes, 2 error).

#include <functional>

namespace CLI {
class App;
}

namespace steward::cmd {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

using Command = std::function<int()>;

Command add_version_command(CLI::App& app);
Command add_check_command(CLI::App& app);
Command add_validate_command(CLI::App& app);
Command add_run_command(CLI::App& app);
Command add_diff_command(CLI::App& app);
Command add_status_command(CLI::App& app);

}  // namespace steward::cmd
