// steward validate: check manifests, and the daemon's config, offline (pre-commit hooks, CI).
//
//   steward validate --config FILE   the StewardConfig, then every source it lists
//   steward validate PATH...         each file or directory as a source named after it
//
// Sources are loaded as the daemon loads them (desired::load_source) and put into one desired state
// as the daemon does (desired::DesiredStateStore), so an object two sources both define is an
// error here too. There is no discovery offline: the scope of the common built-in kinds comes from
// desired/builtin_scopes.hpp, other kinds are kept as written.
//
// Prints every error as `path:line:column: message` on stdout, then one summary line
// `validated objects=N sources=M errors=E`. Exits 0 with no errors, 1 with any. The sources of a
// config with errors are not loaded (its paths may be what is wrong).

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "config/steward_config.hpp"
#include "desired/builtin_scopes.hpp"
#include "desired/desired_state_store.hpp"
#include "desired/manifest_loader.hpp"

namespace steward::cmd {
namespace {

struct ValidateFlags {
  std::string config;
  std::vector<std::string> paths;
};

struct Tally {
  std::size_t sources = 0;
  std::size_t errors = 0;

  void report(const std::vector<desired::Diagnostic>& diagnostics) {
    for (const auto& d : diagnostics) std::cout << d.to_string() << "\n";
    errors += diagnostics.size();
  }
};

// Reads the sources the command names: from the config, or one per PATH.
std::vector<desired::SourceSpec> sources_to_load(const ValidateFlags& flags, Tally& tally) {
  std::vector<desired::SourceSpec> specs;
  if (flags.config.empty()) {
    for (const std::string& path : flags.paths) specs.push_back({.name = path, .path = path});
    return specs;
  }
  const config::ConfigLoad load = config::load_config_file(flags.config);
  tally.report(load.errors);
  if (!load.ok()) return specs;
  for (const config::SourceConfig& source : load.config->sources)
    specs.push_back({.name = source.name,
                     .path = source.path,
                     .default_namespace = source.default_namespace});
  return specs;
}

int run_validate(const ValidateFlags& flags) {
  Tally tally;
  desired::LoaderOptions options;
  options.is_namespaced = desired::builtin_is_namespaced;
  desired::DesiredStateStore store;
  for (const desired::SourceSpec& spec : sources_to_load(flags, tally)) {
    ++tally.sources;
    tally.report(store.apply(desired::load_source(spec, options)).errors);
  }
  std::cout << "validated objects=" << store.current()->size() << " sources=" << tally.sources
            << " errors=" << tally.errors << "\n";
  return tally.errors == 0 ? kExitOk : kExitFailure;
}

}  // namespace

Command add_validate_command(CLI::App& app) {
  auto flags = std::make_shared<ValidateFlags>();
  auto* validate = app.add_subcommand(
      "validate",
      "Check manifests (and a StewardConfig) offline; print each error as path:line:column");
  auto* config = validate->add_option(
      "--config", flags->config, "StewardConfig file: check it, then load every source it lists");
  auto* paths = validate->add_option(
      "paths", flags->paths, "manifest files or directories, each loaded as a source");
  config->excludes(paths);
  // Exactly one of --config FILE or PATH... (CLI11 counts a positional as one option).
  validate->require_option(1, 1);
  return [flags] { return run_validate(*flags); };
}

}  // namespace steward::cmd
