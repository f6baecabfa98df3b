#pragma once
// StatusBook: where each desired object stands, for `/status`, `steward status`, `--once --wait`,
// dependsOn and steward_source_health. For each key: the result of its last reconcile (is the
// cluster what the manifest says?) and the health of its live object (is it working? health/
// health.hpp), computed from the informers' cache right after that reconcile.
//
// No request and no polling: every watch event of an object queues a reconcile (an in-sync one
// costs no API call), so a status that kube-controller-manager writes reaches the book within one
// reconcile, and a resync refreshes every entry. A key that has not been reconciled since it was
// loaded has no entry and counts as pending.
//
// Thread-safe: workers record, the metrics server and `/status` read.

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "desired/desired_object.hpp"
#include "desired/desired_state.hpp"
#include "health/health.hpp"
#include "reconcile/outcome.hpp"

namespace steward::reconcile {

// Is the cluster what the manifest says, by the last reconcile of the object?
enum class SyncState {
  kInSync,   // its last reconcile found it in sync, or made it so (created, corrected)
  kDrifted,  // a dry run found a change it did not make (a create or a correction)
  kFailing,  // its last reconcile failed or is waiting
  kPending,  // not reconciled since it was loaded
};
std::string_view to_string(SyncState state);

struct ObjectState {
  desired::ObjectKey key;
  SyncState sync = SyncState::kPending;
  Result result = Result::kInSync;  // of the last reconcile (meaningless while pending)
  std::string detail;               // why it is failing or waiting; empty otherwise
  health::Health health;            // NotFound while the object is not in the cache
  std::chrono::system_clock::time_point updated{};  // when it was last reconciled
};

// One source's objects, as the book has them.
struct SourceHealth {
  std::string name;
  std::size_t objects = 0;
  health::Status health = health::Status::Current;  // the worst of its objects' (Current if none)
  std::map<health::Status, std::size_t> by_health;  // only statuses some object has
  std::map<SyncState, std::size_t> by_sync;         // likewise
  // Every object is in sync (not drifted, failing or pending) and Current.
  bool ready = false;
  // The objects that are not in sync or not Current, in key order, at most `limit` of them (the
  // counts above are complete).
  std::vector<ObjectState> attention;
  // The last time a reconcile of one of its objects succeeded while none of them was failing:
  // its age is how stale "in sync" is (nothing reconciled, nothing known).
  std::optional<std::chrono::system_clock::time_point> last_applied;
};

class StatusBook {
 public:
  // After a reconcile of `key`, an object of `source` (dry_run: its creates and corrections were
  // not made). `health` is its live object's, NotFound when absent.
  void record(const desired::ObjectKey& key, const std::string& source, const Reconciled& done,
              bool dry_run, health::Health health, std::chrono::system_clock::time_point now);
  // Keys that left the desired state.
  void forget(const std::vector<desired::ObjectKey>& keys);
  // Whether all `objects` objects of `source` are in sync and Current (SourceHealth::ready),
  // from counts kept as entries change: asked after every reconcile for dependsOn.
  bool ready(const std::string& source, std::size_t objects) const;

  // The desired objects of `source` in `state`, with what the book knows of each; `limit` caps
  // SourceHealth::attention.
  SourceHealth source(const desired::DesiredState& state, const std::string& source,
                      std::size_t limit = 100) const;

 private:
  struct Entry {
    std::string source;
    SyncState sync = SyncState::kPending;
    Result result = Result::kInSync;
    std::string detail;
    health::Health health;
    std::chrono::system_clock::time_point updated{};
  };
  struct PerSource {
    std::size_t failing = 0;  // entries whose sync is kFailing
    std::size_t fine = 0;     // entries in sync and Current
    std::optional<std::chrono::system_clock::time_point> last_applied;
  };

  static bool fine(const Entry& entry) {
    return entry.sync == SyncState::kInSync && entry.health.status == health::Status::Current;
  }
  // Takes `entry` out of its source's counts (before it changes or goes).
  void uncount(const Entry& entry);

  mutable std::mutex mu_;
  std::unordered_map<desired::ObjectKey, Entry, desired::ObjectKeyHash> entries_;
  std::map<std::string, PerSource, std::less<>> sources_;
};

}  // namespace steward::reconcile
