// steward diff: what `steward run` would change, as a unified diff per object (as `kubectl diff`).
//
//   steward diff --config FILE [--kubeconfig F] [--context C] [--in-cluster]
//
// Only the fields steward sets are compared, by the reconciler's own decision (plan()); what each
// action is shown as is in lib/reconcile/differ.hpp.
//
// Exit 0: nothing would change; 1: something would; 2: an error (the config or a source does not
// load, the server cannot be reached, an API call fails), one line each on stderr. A failing
// object does not stop the others; a source that fails to load stops everything, since its
// objects would all look like prunes.

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cluster_connection.hpp"
#include "commands.hpp"
#include "kube/client.hpp"
#include "kube/config_error.hpp"
#include "kube/discovery.hpp"
#include "config/steward_config.hpp"
#include "manager/daemon.hpp"
#include "reconcile/differ.hpp"

namespace steward::cmd {
namespace {

namespace asio = boost::asio;

// kubectl diff's exit codes.
constexpr int kExitNoChanges = 0;
constexpr int kExitChanges = 1;
constexpr int kExitError = 2;

struct DiffFlags {
  std::string config;
  ClusterFlags cluster;
};

// Prints the report: diffs on stdout, errors on stderr. Returns the exit code.
int print(const reconcile::DiffReport& report) {
  for (const auto& error : report.load_errors) std::cerr << error << "\n";
  for (const auto& error : report.errors) std::cerr << "steward: " << error << "\n";
  // Not changes: what `steward run` leaves as it is on purpose (opt-outs, suspended sources).
  for (const auto& kept : report.kept) std::cerr << "steward: " << kept << "\n";
  for (const auto& change : report.changes) std::cout << change.diff;
  std::cout.flush();
  // Not changes: fields the sources' ignore rules leave to the cluster.
  for (const auto& line : report.ignored) std::cerr << "ignored: " << line << "\n";
  if (report.failed()) return kExitError;
  return report.changes.empty() ? kExitNoChanges : kExitChanges;
}

// As `steward run` makes them: members of the instance's inventories in steward's namespace.
std::vector<reconcile::SourceOptions> diff_sources(const config::StewardConfig& config,
                                                   const kube::RestConfig& rest) {
  std::vector<reconcile::SourceOptions> sources;
  for (const config::SourceConfig& source : config.sources) {
    sources.push_back({.spec = {.name = source.name,
                                .path = source.path,
                                .default_namespace = source.default_namespace},
                       .prune = source.prune,
                       .adopt = source.adopt,
                       .suspend = source.suspend,
                       .ignore = source.ignore});
    reconcile::join_inventory(sources.back(), config.instance,
                              manager::steward_namespace(config.leader_election, rest));
  }
  return sources;
}

int run_diff(const DiffFlags& flags) {
  const config::ConfigLoad load = config::load_config_file(flags.config);
  if (!load.ok()) {
    for (const auto& error : load.errors) std::cerr << error.to_string() << "\n";
    return kExitError;
  }
  const config::StewardConfig& config = *load.config;
  try {
    const kube::RestConfig rest = load_rest_config(with_config(flags.cluster, config.cluster));
    asio::io_context io;
    kube::Client client(io, rest, client_options(config.cluster));
    kube::Discovery discovery(client);
    reconcile::Differ differ(client, discovery, diff_sources(config, rest));
    reconcile::DiffReport report;
    asio::co_spawn(io, differ.run(),
                   [&report](std::exception_ptr error, reconcile::DiffReport done) {
                     if (error) std::rethrow_exception(error);
                     report = std::move(done);
                   });
    io.run();
    return print(report);
  } catch (const std::exception& e) {  // a bad kubeconfig, TLS material that does not load
    std::cerr << "steward: " << e.what() << "\n";
    return kExitError;
  }
}

}  // namespace

Command add_diff_command(CLI::App& app) {
  auto flags = std::make_shared<DiffFlags>();
  auto* diff = app.add_subcommand(
      "diff",
      "Show what `steward run` would change, a unified diff per object (exit 0 none, 1 some)");
  diff->add_option("--config", flags->config, "StewardConfig file (see config/steward.yaml)")
      ->required();
  add_cluster_options(*diff, flags->cluster);
  diff->footer(
      "Compares the fields steward sets (the manifest, its label and annotations) with the live\n"
      "object, through a server-side dry-run apply so values the server normalises are no change.\n"
      "Sources with prune: true also list steward's objects they no longer define, as removals\n"
      "(the daemon's pruneFraction guard is not applied here).\n"
      "Exit codes, as kubectl diff: 0 nothing would change, 1 something would, 2 error.");
  return [flags] { return run_diff(*flags); };
}

}  // namespace steward::cmd
