#include "informer/store.hpp"

#include <mutex>

namespace steward::informer {

std::string object_key(const rapidjson::Value& object) {
  const auto ns = kube::string_at(object, {"metadata", "namespace"});
  const auto name = kube::string_at(object, {"metadata", "name"});
  if (ns.empty()) return std::string(name);
  std::string key;
  key.reserve(ns.size() + 1 + name.size());
  key.append(ns).append("/").append(name);
  return key;
}

Store::Store() {
  add_index(std::string(kNamespaceIndex), [](const rapidjson::Value& object) {
    const auto ns = kube::string_at(object, {"metadata", "namespace"});
    return ns.empty() ? std::vector<std::string>{} : std::vector<std::string>{std::string(ns)};
  });
}

void Store::add_index(std::string name, IndexFunc func) {
  std::unique_lock lock(mu_);
  Index index{std::move(func), {}};
  for (const auto& [key, object] : objects_) {
    for (auto& value : index.func(*object)) index.keys_by_value[value].insert(key);
  }
  indexes_.insert_or_assign(std::move(name), std::move(index));
}

void Store::index_locked(const std::string& key, const rapidjson::Value* old_object,
                         const rapidjson::Value* new_object) {
  for (auto& [name, index] : indexes_) {
    if (old_object) {
      for (const auto& value : index.func(*old_object)) {
        auto it = index.keys_by_value.find(value);
        if (it == index.keys_by_value.end()) continue;
        it->second.erase(key);
        if (it->second.empty()) index.keys_by_value.erase(it);
      }
    }
    if (new_object) {
      for (auto& value : index.func(*new_object)) index.keys_by_value[value].insert(key);
    }
  }
}

ObjectPtr Store::upsert(ObjectPtr object) {
  std::string key = object_key(*object);
  std::unique_lock lock(mu_);
  auto& slot = objects_[key];
  ObjectPtr old = std::move(slot);
  slot = object;
  index_locked(key, old.get(), object.get());
  return old;
}

ObjectPtr Store::remove(std::string_view key) {
  std::unique_lock lock(mu_);
  auto it = objects_.find(std::string(key));
  if (it == objects_.end()) return nullptr;
  ObjectPtr old = std::move(it->second);
  index_locked(it->first, old.get(), nullptr);
  objects_.erase(it);
  return old;
}

Store::Changes Store::replace(std::vector<ObjectPtr> objects) {
  Changes changes;
  std::unordered_map<std::string, ObjectPtr> next;
  next.reserve(objects.size());
  std::vector<const std::string*> order;  // keys in the list's order, so handlers see that order
  order.reserve(objects.size());
  for (auto& object : objects) {
    auto [it, inserted] = next.insert_or_assign(object_key(*object), std::move(object));
    if (inserted) order.push_back(&it->first);
  }

  std::unique_lock lock(mu_);
  for (auto& [key, object] : objects_) {
    if (!next.count(key)) changes.deleted.push_back(object);
  }
  for (const std::string* key_ptr : order) {
    const std::string& key = *key_ptr;
    const ObjectPtr& object = next.at(key);
    auto it = objects_.find(key);
    if (it == objects_.end()) {
      changes.added.push_back(object);
    } else if (kube::string_at(*it->second, {"metadata", "resourceVersion"}) !=
               kube::string_at(*object, {"metadata", "resourceVersion"})) {
      changes.updated.emplace_back(it->second, object);
    } else {
      changes.unchanged.push_back(object);
    }
  }
  objects_ = std::move(next);
  for (auto& [name, index] : indexes_) {
    index.keys_by_value.clear();
    for (const auto& [key, object] : objects_) {
      for (auto& value : index.func(*object)) index.keys_by_value[value].insert(key);
    }
  }
  return changes;
}

ObjectPtr Store::get(std::string_view key) const {
  std::shared_lock lock(mu_);
  auto it = objects_.find(std::string(key));
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::list() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(object);
  return out;
}

std::vector<ObjectPtr> Store::by_index(std::string_view index, std::string_view value) const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto keys = idx->second.keys_by_value.find(std::string(value));
  if (keys == idx->second.keys_by_value.end()) return out;
  for (const auto& key : keys->second) out.push_back(objects_.at(key));
  return out;
}

std::size_t Store::size() const {
  std::shared_lock lock(mu_);
  return objects_.size();
}

}  // namespace steward::informer
