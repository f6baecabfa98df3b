#include "store.hpp"

#include <algorithm>

namespace steward::testapi {

namespace {
std::string meta_str(const json::Value& obj, const char* field) {
  const json::Value* m = obj.find("metadata");
  return m ? m->str(field) : std::string{};
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
  record(storage_key, StoreEvent{create ? EventType::Added : EventType::Modified, rv_, stored, previous});
  return stored;
}

ObjectPtr Store::remove(const std::string& storage_key, const std::string& ns, const std::string& name) {
  auto it = objects_.find(storage_key);
  if (it == objects_.end()) return nullptr;
  auto o = it->second.find(object_key(ns, name));
  if (o == it->second.end()) return nullptr;
  ObjectPtr previous = o->second;
  it->second.erase(o);
  ++rv_;
  // The real server's DELETED event carries the object at the deletion's revision.
  json::Value last = *previous;
  last["metadata"]["resourceVersion"] = std::to_string(rv_);
  auto stamped = std::make_shared<const json::Value>(std::move(last));
  record(storage_key, StoreEvent{EventType::Deleted, rv_, stamped, previous});
  return stamped;
}

void Store::record(const std::string& storage_key, StoreEvent ev) {
  auto& h = history_[storage_key];
  h.events.push_back(ev);
  while (h.events.size() > options_.history_size) {
    h.start = h.events.front().rv;
    h.events.pop_front();
  }
  // Copy first: a subscriber may unsubscribe (or subscribe) while being told.
  std::vector<Subscriber> targets;
  for (const auto& [id, sub] : subscribers_)
    if (sub.storage_key == storage_key) targets.push_back(sub.fn);
  for (const auto& fn : targets) fn(ev);
}

Store::Page Store::list(const std::string& storage_key, const std::string& ns, const std::string& start_key,
                        std::size_t limit, const std::function<bool(const json::Value&)>& keep) const {
  Page page;
  auto it = objects_.find(storage_key);
  if (it == objects_.end()) return page;
  const auto& objs = it->second;
  std::string prefix = ns.empty() ? std::string{} : ns + "/";
  std::string from = std::max(start_key, prefix);
  auto o = objs.lower_bound(from);
  for (; o != objs.end() && o->first.compare(0, prefix.size(), prefix) == 0; ++o) {
    if (limit > 0 && page.items.size() == limit) {
      page.next_key = o->first;
      for (auto r = o; r != objs.end() && r->first.compare(0, prefix.size(), prefix) == 0; ++r) ++page.remaining;
      break;
    }
    if (keep(*o->second)) page.items.push_back(o->second);
  }
  return page;
}

std::size_t Store::count(const std::string& storage_key) const {
  auto it = objects_.find(storage_key);
  return it == objects_.end() ? 0 : it->second.size();
}

std::uint64_t Store::history_start(const std::string& storage_key) const {
  auto it = history_.find(storage_key);
  std::uint64_t start = it == history_.end() ? 0 : it->second.start;
  return std::max({start, compacted_rv_, history_floor_});
}

std::vector<StoreEvent> Store::events_after(const std::string& storage_key, std::uint64_t rv) const {
  std::vector<StoreEvent> out;
  auto it = history_.find(storage_key);
  if (it == history_.end()) return out;
  for (const auto& ev : it->second.events)
    if (ev.rv > rv) out.push_back(ev);
  return out;
}

void Store::compact() {
  // etcd compacts at a revision; taking a fresh one keeps lists started after this valid while
  // every token handed out before it expires.
  compacted_rv_ = ++rv_;
  for (auto& [key, h] : history_) {
    h.events.clear();
    h.start = rv_;
  }
}

void Store::reset_history() {
  history_floor_ = rv_;
  for (auto& [key, h] : history_) {
    h.events.clear();
    h.start = rv_;
  }
}

std::uint64_t Store::subscribe(const std::string& storage_key, Subscriber fn) {
  std::uint64_t id = next_subscription_++;
  subscribers_.emplace(id, Subscription{storage_key, std::move(fn)});
  return id;
}

void Store::unsubscribe(std::uint64_t id) { subscribers_.erase(id); }

}  // namespace steward::testapi
