#pragma once
// ConfigReload: the running daemon re-reads its StewardConfig (SIGHUP, or the file changed) and
// applies what can change live (compare marks which): the sources (added, removed,
// changed), logging.level, reconcile.workers and reconcile.dryRun. Every other difference from the
// config the process started with is logged as needing a restart, at each reload, until the file
// matches again or the process restarts. A config that does not load is rejected whole: its errors
// are logged (path:line:column) and the running config stays in force.
//
// Flags win over the file for the fields they set (--log-level, --dry-run), as at start.
// Not thread-safe: call reload() from one thread (the daemon's reload thread).

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "config/steward_config.hpp"
#include "reconcile/controller.hpp"

namespace steward::desired {
class SourceWatcher;
}

namespace steward::manager {

struct ConfigReloadOptions {
  std::filesystem::path file;
  bool log_level_flag = false;  // --log-level was given: the file's logging.level is ignored
  bool dry_run_flag = false;    // --dry-run was given: dry run stays on whatever the file says
  // The controller's view of the config's sources (the same mapping as at start).
  std::function<std::vector<reconcile::SourceOptions>(const config::StewardConfig&)> sources;
};

class ConfigReload {
 public:
  ConfigReload(ConfigReloadOptions options, config::StewardConfig started_with,
               reconcile::Controller& controller, desired::SourceWatcher* watcher);

  // Reads the file and applies it; false when it did not load (nothing changed).
  bool reload();

 private:
  const ConfigReloadOptions options_;
  const config::StewardConfig started_with_;  // what the non-live fields still are
  config::StewardConfig applied_;             // what the live fields are now
  reconcile::Controller& controller_;
  desired::SourceWatcher* watcher_;  // null with --once
};

}  // namespace steward::manager
