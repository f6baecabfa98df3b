#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.hpp"
#include "observe/build_info.hpp"

namespace steward::cmd {

Command add_version_command(CLI::App& app) {
  app.add_subcommand("version", "Print the version, git commit and build type, one name=value a line");
  return [] {
    const auto& info = observe::build_info();
    std::cout << "version=" << info.version << "\n"
              << "commit=" << info.commit << "\n"
              << "build_type=" << info.build_type << "\n";
    return kExitOk;
  };
}

}  // namespace steward::cmd
