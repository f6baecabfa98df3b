#pragma once
// DesiredStateStore: the current DesiredState, replaced whole when a source is (re)loaded.
//
// A failed load never changes what is in force: the source keeps its last good objects (none if it
// never loaded) and the error is recorded per source for metrics and readiness. So a broken edit
// neither removes objects from the desired state nor lets a prune run against them.
//
// Thread-safe. Readers take `current()` (a shared_ptr copy under a short lock) and then read the
// snapshot without any lock. Updates are serialised by their own mutex, so building the next
// snapshot never blocks readers.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "desired/desired_state.hpp"
#include "desired/manifest_loader.hpp"

namespace steward::desired {

struct SourceStatus {
  std::string name;
  bool loaded = false;                 // some load of this source has succeeded
  bool last_load_ok = false;           // the most recent load succeeded
  std::vector<Diagnostic> errors;      // of the most recent load (empty when it succeeded)
  std::size_t objects = 0;             // objects in force for this source
  std::uint64_t loads_succeeded = 0;   // for steward_desired_reload_total{result="success"}
  std::uint64_t loads_failed = 0;      // for steward_desired_reload_total{result="failure"}
  std::chrono::system_clock::time_point last_load{};     // the most recent load, either way
  std::chrono::system_clock::time_point last_success{};  // the most recent accepted load
};

struct StoreUpdate {
  bool accepted = false;  // false: the load failed (or clashed) and nothing changed
  std::shared_ptr<const DesiredState> previous;
  std::shared_ptr<const DesiredState> current;  // == previous when not accepted
  DesiredDiff diff;                             // keys to enqueue; empty when not accepted
  std::vector<Diagnostic> errors;
};

class DesiredStateStore {
 public:
  DesiredStateStore();

  // The snapshot in force (never null; empty before any load).
  std::shared_ptr<const DesiredState> current() const;

  // Puts a finished load in force if it succeeded and defines no key another source already
  // defines; records the outcome either way.
  StoreUpdate apply(SourceLoad load);
  // load_source + apply; the loading runs without holding any lock.
  StoreUpdate reload(const SourceSpec& spec, const LoaderOptions& options);
  // Drops a source (removed from the configuration): its objects leave the desired state.
  StoreUpdate remove_source(const std::string& name);

  std::optional<SourceStatus> status(const std::string& name) const;
  std::vector<SourceStatus> statuses() const;

 private:
  void publish(std::shared_ptr<const DesiredState> next);

  std::mutex update_mu_;  // serialises apply/remove_source (read-modify-write of the snapshot)
  mutable std::mutex mu_; // guards current_ and status_; held only to copy or swap them
  std::shared_ptr<const DesiredState> current_;
  std::map<std::string, SourceStatus> status_;
};

}  // namespace steward::desired
