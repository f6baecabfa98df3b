#include "manager/config_reload.hpp"

#include "desired/source_watcher.hpp"
#include "observe/log.hpp"

namespace steward::manager {
namespace {

const observe::Logger kLog{"config"};

}  // namespace

ConfigReload::ConfigReload(ConfigReloadOptions options, config::StewardConfig started_with,
                           reconcile::Controller& controller, desired::SourceWatcher* watcher)
    : options_(std::move(options)),
      started_with_(started_with),
      applied_(std::move(started_with)),
      controller_(controller),
      watcher_(watcher) {}

bool ConfigReload::reload() {
  const config::ConfigLoad load = config::load_config_file(options_.file);
  if (!load.ok()) {
    for (const auto& error : load.errors) {
      kLog.error("config not reloaded; the running one stays in force",
                 {{"error", error.to_string()}});
    }
    return false;
  }
  const config::StewardConfig& next = *load.config;

  for (const auto& change : config::compare(started_with_, next)) {
    if (!change.live) {
      kLog.warn("config change needs a restart", {{"change", change.to_string()}});
    }
  }
  bool sources_changed = false;
  for (const auto& change : config::compare(applied_, next)) {
    if (!change.live) continue;
    kLog.info("config change applied", {{"change", change.to_string()}});
    sources_changed = sources_changed || change.field.rfind("sources", 0) == 0;
  }
  if (!options_.log_level_flag && next.logging.level != applied_.logging.level) {
    observe::set_log_level(next.logging.level);
  }
  if (!options_.dry_run_flag && next.reconcile.dry_run != applied_.reconcile.dry_run) {
    controller_.set_dry_run(next.reconcile.dry_run);
  }
  if (next.reconcile.workers != applied_.reconcile.workers) {
    controller_.set_workers(next.reconcile.workers);
  }
  if (sources_changed) {
    if (watcher_) {
      for (const auto& old : applied_.sources) watcher_->unwatch(old.name);
      for (const auto& source : next.sources) watcher_->watch(source.name, source.path);
    }
    controller_.update_sources(options_.sources(next));
  }
  applied_ = next;
  return true;
}

}  // namespace steward::manager
