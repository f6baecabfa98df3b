// In-memory object storage standing in for etcd plus the apiserver's watch cache.
//
// Invariants:
// - One global resourceVersion counter for all kinds, bumped by every write (as etcd's revision);
//   an object's metadata.resourceVersion is the counter value of its last write.
// - Objects of one storage key are kept in key order "namespace/name" (etcd key order), which is
//   the order lists and continue tokens use.
// - Each storage key keeps the last `history_size` events (the watch cache); `history_start(key)` is
//   the newest resourceVersion no longer covered: a watch from an older version answers 410 Expired.
// - `compacted_rv()` is what etcd compaction discarded: continue tokens older than it answer 410.
// - Subscribers are called synchronously, on the server's one thread, for every write.
#pragma once

#include "json.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace steward::testapi {

using ObjectPtr = std::shared_ptr<const json::Value>;

enum class EventType { Added, Modified, Deleted };

struct StoreEvent {
  EventType type;
  std::uint64_t rv;
  ObjectPtr object;    // after the write (for Deleted: the last state, stamped with the delete's RV)
  ObjectPtr previous;  // before the write; null for Added
};

struct StoreOptions {
  // Events kept per storage key for watches to resume from (the real watch cache keeps ~75 s worth).
  std::size_t history_size = 1000;
};

class Store {
 public:
  using Subscriber = std::function<void(const StoreEvent&)>;

  explicit Store(StoreOptions options = {});

  std::uint64_t current_rv() const { return rv_; }

  ObjectPtr get(const std::string& storage_key, const std::string& ns, const std::string& name) const;

  // Writes set metadata.resourceVersion to a fresh counter value and return the stored object.
  ObjectPtr create(const std::string& storage_key, json::Value object);
  ObjectPtr update(const std::string& storage_key, json::Value object);
  // Returns the removed object stamped with the delete's resourceVersion; null when absent.
  ObjectPtr remove(const std::string& storage_key, const std::string& ns, const std::string& name);

  struct Page {
    std::vector<ObjectPtr> items;
    std::string next_key;  // non-empty: more keys remain after the last returned item
    std::size_t remaining = 0;
  };
  // Objects of `storage_key` (in `ns` when non-empty) whose key is >= `start_key`, filtered by `keep`,
  // at most `limit` (0: all) matches.
  Page list(const std::string& storage_key, const std::string& ns, const std::string& start_key, std::size_t limit,
            const std::function<bool(const json::Value&)>& keep) const;
  std::size_t count(const std::string& storage_key) const;

  // Watch-cache history.
  std::uint64_t history_start(const std::string& storage_key) const;
  std::vector<StoreEvent> events_after(const std::string& storage_key, std::uint64_t rv) const;
  std::uint64_t compacted_rv() const { return compacted_rv_; }
  // Forgets all history and compacts at the current version (a fault: every older RV is too old).
  void compact();
  // Forgets the watch history only (an apiserver restart rebuilds its watch cache at the current
  // version; etcd, and so continue tokens, are unaffected).
  void reset_history();

  std::uint64_t subscribe(const std::string& storage_key, Subscriber fn);
  void unsubscribe(std::uint64_t id);

  static std::string object_key(const std::string& ns, const std::string& name) {
    return ns.empty() ? name : ns + "/" + name;
  }

 private:
  ObjectPtr write(const std::string& storage_key, json::Value object, bool create);
  void record(const std::string& storage_key, StoreEvent ev);

  struct History {
    std::deque<StoreEvent> events;
    std::uint64_t start = 0;
  };
  struct Subscription {
    std::string storage_key;
    Subscriber fn;
  };

  StoreOptions options_;
  std::uint64_t rv_ = 0;
  std::uint64_t compacted_rv_ = 0;
  std::uint64_t history_floor_ = 0;  // set by reset_history(): older versions are gone for every key
  std::map<std::string, std::map<std::string, ObjectPtr>> objects_;
  std::map<std::string, History> history_;
  std::map<std::uint64_t, Subscription> subscribers_;
  std::uint64_t next_subscription_ = 1;
};

}  // namespace steward::testapi
