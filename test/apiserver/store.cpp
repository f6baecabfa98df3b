#include "store.hpp"

#include <algorithm>
#include <optional>

namespace steward::testapi {

namespace {

std::string meta_str(const json::Value& obj, const char* field) {
  const json::Value* m = obj.find("metadata");
  return m ? m->str(field) : std::string{};
}

bool has_prefix(const std::string& key, const std::string& prefix) { return key.compare(0, prefix.size(), prefix) == 0; }

// One entry of a list walk: a key and the object it held (null: none at the revision read).
struct Entry {
  const std::string* key;
  const ObjectPtr* object;
};

// Today's objects from `from` on, while they have `prefix`.
class CurrentWalk {
 public:
  using Map = std::map<std::string, ObjectPtr>;
  CurrentWalk(const Map& objects, const std::string& from, const std::string& prefix)
      : it_(objects.lower_bound(from)), end_(objects.end()), prefix_(prefix) {}
  std::optional<Entry> next() {
    if (it_ == end_ || !has_prefix(it_->first, prefix_)) return std::nullopt;
    Entry e{&it_->first, &it_->second};
    ++it_;
    return e;
  }

 private:
  Map::const_iterator it_, end_;
  const std::string& prefix_;
};

// Today's objects with `undone` (key -> its state at the revision read) laid over them, in key
// order: the state at an older revision.
class SnapshotWalk {
 public:
  using Map = std::map<std::string, ObjectPtr>;
  SnapshotWalk(const Map& objects, const Map& undone, const std::string& from, const std::string& prefix)
      : current_(objects, from, prefix), over_(undone.lower_bound(from)), over_end_(undone.end()), prefix_(prefix) {
    pending_ = current_.next();
  }
  std::optional<Entry> next() {
    for (;;) {
      bool over = over_ != over_end_ && has_prefix(over_->first, prefix_);
      if (!over && !pending_) return std::nullopt;
      Entry e;
      if (over && (!pending_ || over_->first <= *pending_->key)) {
        if (pending_ && *pending_->key == over_->first) pending_ = current_.next();
        e = Entry{&over_->first, &over_->second};
        ++over_;
      } else {
        e = *pending_;
        pending_ = current_.next();
      }
      if (*e.object) return e;  // absent at that revision: created later or deleted before
    }
  }

 private:
  CurrentWalk current_;
  std::optional<Entry> pending_;
  Map::const_iterator over_, over_end_;
  const std::string& prefix_;
};

template <class Walk>
Store::Page fill_page(Walk walk, std::size_t limit, const Store::Filter& keep) {
  Store::Page page;
  while (auto e = walk.next()) {
    if (limit > 0 && page.items.size() == limit) {
      page.next_key = *e->key;
      page.remaining = 1;
      while (walk.next()) ++page.remaining;
      break;
    }
    if (keep(**e->object)) page.items.push_back(*e->object);
  }
  return page;
}

}  // namespace

Store::Store(StoreOptions options) : options_(options) {}

ObjectPtr Store::get(const std::string& storage_key, const std::string& ns, const std::string& name) const {
  auto it = objects_.find(storage_key);
  if (it == objects_.end()) return nullptr;
  auto o = it->second.find(object_key(ns, name));
  return o == it->second.end() ? nullptr : o->second;
}

ObjectPtr Store::create(const std::string& storage_key, json::Value object) {
  return write(storage_key, std::move(object), true);
}

ObjectPtr Store::update(const std::string& storage_key, json::Value object) {
  return write(storage_key, std::move(object), false);
}

ObjectPtr Store::write(const std::string& storage_key, json::Value object, bool create) {
  ++rv_;
  object["metadata"]["resourceVersion"] = std::to_string(rv_);
  std::string key = object_key(meta_str(object, "namespace"), meta_str(object, "name"));
  auto stored = std::make_shared<const json::Value>(std::move(object));
  auto& slot = objects_[storage_key][key];
  ObjectPtr previous = create ? nullptr : slot;
  slot = stored;
  record(storage_key, StoreEvent{create ? EventType::Added : EventType::Modified, rv_, stored, previous}, key);
  return stored;
}

ObjectPtr Store::remove(const std::string& storage_key, const std::string& ns, const std::string& name) {
  auto it = objects_.find(storage_key);
  if (it == objects_.end()) return nullptr;
  std::string key = object_key(ns, name);
  auto o = it->second.find(key);
  if (o == it->second.end()) return nullptr;
  ObjectPtr previous = o->second;
  it->second.erase(o);
  ++rv_;
  // The real server's DELETED event carries the object at the deletion's revision.
  json::Value last = *previous;
  last["metadata"]["resourceVersion"] = std::to_string(rv_);
  auto stamped = std::make_shared<const json::Value>(std::move(last));
  record(storage_key, StoreEvent{EventType::Deleted, rv_, stamped, previous}, key);
  return stamped;
}

std::uint64_t Store::write_unwatched() { return ++rv_; }

void Store::record(const std::string& storage_key, StoreEvent ev, const std::string& key) {
  changes_[storage_key].push_back(Change{ev.rv, key, ev.previous});
  auto& cache = caches_[storage_key];
  cache.rv = ev.rv;
  cache.events.push_back(ev);
  if (cache.events.size() > options_.history_size) {
    cache.events.pop_front();
    // GetAllEventsSinceThreadUnsafe (cacher/watch_cache.go): once events were dropped, the oldest
    // replayable one is the first left, so a watch from before the revision just below it is too old.
    cache.start = cache.events.front().rv - 1;
  }
  // Copy first: a subscriber may unsubscribe (or subscribe) while being told.
  std::vector<Subscriber> targets;
  for (const auto& [id, sub] : subscribers_)
    if (sub.storage_key == storage_key) targets.push_back(sub.fn);
  for (const auto& fn : targets) fn(ev);
  if (observer_) observer_(storage_key, ev);
}

Store::Page Store::list(const std::string& storage_key, const std::string& ns, const std::string& start_key,
                        std::size_t limit, const Filter& keep, std::uint64_t at) const {
  auto it = objects_.find(storage_key);
  static const std::map<std::string, ObjectPtr> none;
  const auto& objs = it == objects_.end() ? none : it->second;
  std::string prefix = ns.empty() ? std::string{} : ns + "/";
  std::string from = std::max(start_key, prefix);

  // The changes after `at`, undone: each key's state before the first of them is its state at `at`.
  std::map<std::string, ObjectPtr> undone;
  if (auto log = changes_.find(storage_key); at != 0 && log != changes_.end()) {
    auto first = std::partition_point(log->second.begin(), log->second.end(),
                                      [&](const Change& c) { return c.rv <= at; });
    for (auto c = first; c != log->second.end(); ++c)
      if (c->key >= from && has_prefix(c->key, prefix)) undone.emplace(c->key, c->before);
  }
  if (undone.empty()) return fill_page(CurrentWalk(objs, from, prefix), limit, keep);
  return fill_page(SnapshotWalk(objs, undone, from, prefix), limit, keep);
}

std::size_t Store::count(const std::string& storage_key) const {
  auto it = objects_.find(storage_key);
  return it == objects_.end() ? 0 : it->second.size();
}

void Store::compact(std::uint64_t at) {
  compacted_rv_ = std::max(compacted_rv_, std::min(at, rv_));
  // Undoing a change is only needed to read before it; no read before the compaction is allowed.
  for (auto& [key, log] : changes_)
    while (!log.empty() && log.front().rv <= compacted_rv_) log.pop_front();
}

std::uint64_t Store::cache_rv(const std::string& storage_key) const {
  auto it = caches_.find(storage_key);
  return std::max(it == caches_.end() ? 0 : it->second.rv, caches_started_);
}

std::uint64_t Store::history_start(const std::string& storage_key) const {
  auto it = caches_.find(storage_key);
  return std::max(it == caches_.end() ? 0 : it->second.start, caches_started_);
}

std::vector<StoreEvent> Store::events_after(const std::string& storage_key, std::uint64_t rv) const {
  std::vector<StoreEvent> out;
  auto it = caches_.find(storage_key);
  if (it == caches_.end()) return out;
  for (const auto& ev : it->second.events)
    if (ev.rv > rv) out.push_back(ev);
  return out;
}

void Store::start_cache(const std::string& storage_key) {
  // The cacher's first list (cacher.go startCaching): the cache holds today's state at the current
  // revision and can replay nothing older (watch_cache.go: oldest = listResourceVersion + 1).
  auto& cache = caches_[storage_key];
  cache.events.clear();
  cache.start = rv_;
  cache.rv = rv_;
}

void Store::restart_caches() {
  caches_started_ = rv_;
  for (auto& [key, cache] : caches_) {
    cache.events.clear();
    cache.start = rv_;
    cache.rv = rv_;
  }
}

std::uint64_t Store::subscribe(const std::string& storage_key, Subscriber fn) {
  std::uint64_t id = next_subscription_++;
  subscribers_.emplace(id, Subscription{storage_key, std::move(fn)});
  return id;
}

void Store::unsubscribe(std::uint64_t id) { subscribers_.erase(id); }

}  // namespace steward::testapi
