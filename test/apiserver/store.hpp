// In-memory object storage standing in for etcd plus the apiserver's watch caches.
//
// etcd, the objects:
// - One global revision for all kinds, bumped by every write (etcd's revision). It starts at 1, as
//   a fresh etcd's does, so the first object gets 2. An object's metadata.resourceVersion is the
//   revision of its last write.
// - Objects of one storage key are kept in key order "namespace/name" (etcd key order), which is
//   the order lists and continue tokens use.
// - MVCC: every write also appends (revision, key, the object before it) to its storage key's
//   change log. A read at revision R is today's state with the changes after R undone, so a list of
//   the current state costs what it always did and a read at R pays only for what changed since.
// - Compaction at C (etcd's Compact): a read before C fails (`compacted_rv()`), and the changes up
//   to C leave the log: what remains of a key is its newest version at or below C (today's state,
//   or the oldest undo after C) and every later one, so memory is bounded by what changed since.
//
// The watch caches (kube-apiserver's cacher, one per storage key, fed by every write):
// - A cache keeps the last `history_size` events; `history_start(key)` is the newest revision it
//   cannot replay from: a watch from an older one answers 410 Expired.
// - `cache_rv(key)` is the cache's resourceVersion: the revision of its last event, or the revision
//   it (re)started at when that is newer. Lists served from the cache carry it.
// - etcd compaction does not touch the caches. An apiserver restart rebuilds them all at the current
//   revision (`restart_caches`); a CRD's cache starts when the CRD is established (`start_cache`).
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
  using Filter = std::function<bool(const json::Value&)>;

  explicit Store(StoreOptions options = {});

  // etcd's current revision.
  std::uint64_t current_rv() const { return rv_; }

  ObjectPtr get(const std::string& storage_key, const std::string& ns, const std::string& name) const;

  // Writes set metadata.resourceVersion to a fresh revision and return the stored object.
  ObjectPtr create(const std::string& storage_key, json::Value object);
  ObjectPtr update(const std::string& storage_key, json::Value object);
  // Returns the removed object stamped with the delete's resourceVersion; null when absent.
  ObjectPtr remove(const std::string& storage_key, const std::string& ns, const std::string& name);
  // A write to a key no resource holds (kube-apiserver's compactor notes its compaction time in
  // etcd that way): the revision moves, no watch sees it. Returns the new revision.
  std::uint64_t write_unwatched();

  struct Page {
    std::vector<ObjectPtr> items;
    std::string next_key;  // non-empty: more keys remain after the last returned item
    std::size_t remaining = 0;
  };
  // Objects of `storage_key` (in `ns` when non-empty) whose key is >= `start_key`, filtered by `keep`,
  // at most `limit` (0: all) matches, as they were at revision `at` (0: now). A read before
  // compacted_rv() or after current_rv() is the caller's error to report; it must not ask.
  Page list(const std::string& storage_key, const std::string& ns, const std::string& start_key, std::size_t limit,
            const Filter& keep, std::uint64_t at = 0) const;
  std::size_t count(const std::string& storage_key) const;

  // etcd compaction.
  std::uint64_t compacted_rv() const { return compacted_rv_; }
  // Revisions before `at` (<= current) can no longer be read.
  void compact(std::uint64_t at);

  // Watch caches.
  std::uint64_t cache_rv(const std::string& storage_key) const;
  std::uint64_t history_start(const std::string& storage_key) const;
  std::vector<StoreEvent> events_after(const std::string& storage_key, std::uint64_t rv) const;
  // A cache that starts now, empty, at the current revision (a CRD's, once established).
  void start_cache(const std::string& storage_key);
  // Every cache, those not created yet included, starts over at the current revision.
  void restart_caches();

  std::uint64_t subscribe(const std::string& storage_key, Subscriber fn);
  void unsubscribe(std::uint64_t id);
  // Hears every event of every storage key, after its subscribers: the write log lists from it
  // every resourceVersion the server produced.
  using Observer = std::function<void(const std::string& storage_key, const StoreEvent&)>;
  void set_observer(Observer fn) { observer_ = std::move(fn); }

  static std::string object_key(const std::string& ns, const std::string& name) {
    return ns.empty() ? name : ns + "/" + name;
  }

 private:
  ObjectPtr write(const std::string& storage_key, json::Value object, bool create);
  void record(const std::string& storage_key, StoreEvent ev, const std::string& key);

  // One undoable write (etcd's older revision of a key): `before` is null when it created the key.
  struct Change {
    std::uint64_t rv;
    std::string key;
    ObjectPtr before;
  };
  struct WatchCache {
    std::deque<StoreEvent> events;
    std::uint64_t start = 0;  // watches from older revisions are too old
    std::uint64_t rv = 0;     // revision of the last event, or of the (re)start
  };
  struct Subscription {
    std::string storage_key;
    Subscriber fn;
  };

  StoreOptions options_;
  std::uint64_t rv_ = 1;
  std::uint64_t compacted_rv_ = 0;
  std::uint64_t caches_started_ = 1;  // restart_caches(): every cache starts here or later
  std::map<std::string, std::map<std::string, ObjectPtr>> objects_;
  std::map<std::string, std::deque<Change>> changes_;
  std::map<std::string, WatchCache> caches_;
  std::map<std::uint64_t, Subscription> subscribers_;
  Observer observer_;
  std::uint64_t next_subscription_ = 1;
};

}  // namespace steward::testapi
