#include "informer/store.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace steward::informer {

namespace {

// A key in its two parts: split from "ns/name", or read from an object.
struct Key {
  std::string_view ns;
  std::string_view name;
};

// Neither a namespace nor a name can hold a '/', so the first one separates them.
Key split(std::string_view key) {
  const auto slash = key.find('/');
  if (slash == std::string_view::npos) return {{}, key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

Key key_of(const rapidjson::Value& object) {
  if (!object.IsObject()) return {};
  const auto metadata = object.FindMember("metadata");
  if (metadata == object.MemberEnd()) return {};
  return {kube::string_at(metadata->value, {"namespace"}), kube::string_at(metadata->value, {"name"})};
}

std::string_view name_of(std::string_view name) { return name; }
std::string_view name_of(const ObjectPtr& object) {
  return kube::string_at(*object, {"metadata", "name"});
}

}  // namespace

std::string object_key(const rapidjson::Value& object) {
  const Key key = key_of(object);
  if (key.ns.empty()) return std::string(key.name);
  std::string out;
  out.reserve(key.ns.size() + 1 + key.name.size());
  out.append(key.ns).append("/").append(key.name);
  return out;
}

std::size_t Store::NameHash::operator()(std::string_view name) const {
  return std::hash<std::string_view>()(name);
}

std::size_t Store::NameHash::operator()(const ObjectPtr& object) const {
  return (*this)(name_of(object));
}

template <typename A, typename B>
bool Store::NameEqual::operator()(const A& a, const B& b) const {
  return name_of(a) == name_of(b);
}

Store::Store() = default;

void Store::add_index(std::string name, IndexFunc func) {
  if (name == kNamespaceIndex) throw std::invalid_argument("the namespace index is built in");
  std::unique_lock lock(mu_);
  Index index{std::move(func), {}};
  for (const auto& [ns, names] : namespaces_) {
    for (const auto& object : names) index_one(index, *object);
  }
  indexes_.insert_or_assign(std::move(name), std::move(index));
}

void Store::index_one(Index& index, const rapidjson::Value& object) {
  for (auto& value : index.func(object)) index.objects_by_value[std::move(value)].insert(&object);
}

void Store::index_locked(const rapidjson::Value* old_object, const rapidjson::Value* new_object) {
  for (auto& [name, index] : indexes_) {
    if (old_object) {
      for (const auto& value : index.func(*old_object)) {
        auto it = index.objects_by_value.find(value);
        if (it == index.objects_by_value.end()) continue;
        it->second.erase(old_object);
        if (it->second.empty()) index.objects_by_value.erase(it);
      }
    }
    if (new_object) index_one(index, *new_object);
  }
}

Store::Names* Store::names_in(Namespaces& namespaces, std::string_view ns) {
  auto it = namespaces.find(ns);
  return it == namespaces.end() ? nullptr : &it->second;
}

ObjectPtr Store::take_locked(Namespaces& namespaces, std::string_view ns, std::string_view name) {
  auto names = namespaces.find(ns);
  if (names == namespaces.end()) return nullptr;
  auto it = names->second.find(name);
  if (it == names->second.end()) return nullptr;
  ObjectPtr old = *it;
  names->second.erase(it);
  if (names->second.empty()) namespaces.erase(names);
  return old;
}

ObjectPtr Store::upsert(ObjectPtr object) {
  const Key key = key_of(*object);
  std::unique_lock lock(mu_);
  ObjectPtr old = take_locked(namespaces_, key.ns, key.name);
  if (!old) ++size_;
  index_locked(old.get(), object.get());
  Names* names = names_in(namespaces_, key.ns);
  if (!names) names = &namespaces_.emplace(std::string(key.ns), Names()).first->second;
  names->insert(std::move(object));
  return old;
}

ObjectPtr Store::remove(std::string_view key) {
  const Key parts = split(key);
  return remove(parts.ns, parts.name);
}

ObjectPtr Store::remove(std::string_view ns, std::string_view name) {
  std::unique_lock lock(mu_);
  ObjectPtr old = take_locked(namespaces_, ns, name);
  if (!old) return nullptr;
  --size_;
  index_locked(old.get(), nullptr);
  return old;
}

Store::Changes Store::replace(std::vector<ObjectPtr> objects) {
  Changes changes;
  // A key listed twice (servers do not): the last one counts, in its place. Handlers see the
  // objects in the list's order.
  Namespaces next;
  std::vector<ObjectPtr> order;
  order.reserve(objects.size());
  for (auto it = objects.rbegin(); it != objects.rend(); ++it) {
    const Key key = key_of(**it);
    Names* names = names_in(next, key.ns);
    if (!names) names = &next.emplace(std::string(key.ns), Names()).first->second;
    if (names->insert(*it).second) order.push_back(std::move(*it));
  }
  std::reverse(order.begin(), order.end());

  std::unique_lock lock(mu_);
  for (const auto& [ns, names] : namespaces_) {
    const Names* listed = names_in(next, ns);
    for (const auto& object : names) {
      if (!listed || !listed->contains(object)) changes.deleted.push_back(object);
    }
  }
  for (auto& object : order) {
    const Key key = key_of(*object);
    const Names* names = names_in(namespaces_, key.ns);
    auto it = names ? names->find(key.name) : Names::const_iterator();
    if (!names || it == names->end()) {
      changes.added.push_back(std::move(object));
    } else if (kube::string_at(**it, {"metadata", "resourceVersion"}) !=
               kube::string_at(*object, {"metadata", "resourceVersion"})) {
      changes.updated.emplace_back(*it, std::move(object));
    } else {
      changes.unchanged.push_back(std::move(object));
    }
  }
  namespaces_ = std::move(next);
  size_ = order.size();
  for (auto& [name, index] : indexes_) {
    index.objects_by_value.clear();
    for (const auto& [ns, names] : namespaces_) {
      for (const auto& object : names) index_one(index, *object);
    }
  }
  return changes;
}

ObjectPtr Store::get(std::string_view key) const {
  const Key parts = split(key);
  return get(parts.ns, parts.name);
}

ObjectPtr Store::get(std::string_view ns, std::string_view name) const {
  std::shared_lock lock(mu_);
  auto names = namespaces_.find(ns);
  if (names == namespaces_.end()) return nullptr;
  auto it = names->second.find(name);
  return it == names->second.end() ? nullptr : *it;
}

std::vector<ObjectPtr> Store::list() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(size_);
  for (const auto& [ns, names] : namespaces_) out.insert(out.end(), names.begin(), names.end());
  return out;
}

std::vector<ObjectPtr> Store::by_index(std::string_view index, std::string_view value) const {
  std::shared_lock lock(mu_);
  if (index == kNamespaceIndex) {
    // Cluster-scoped objects have no namespace to be found by.
    auto names = value.empty() ? namespaces_.end() : namespaces_.find(value);
    if (names == namespaces_.end()) return {};
    return {names->second.begin(), names->second.end()};
  }
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto objects = idx->second.objects_by_value.find(std::string(value));
  if (objects == idx->second.objects_by_value.end()) return out;
  out.reserve(objects->second.size());
  for (const rapidjson::Value* object : objects->second) {
    const Key key = key_of(*object);
    out.push_back(*namespaces_.find(key.ns)->second.find(key.name));
  }
  return out;
}

std::size_t Store::count(std::string_view index, std::string_view value) const {
  std::shared_lock lock(mu_);
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return 0;
  auto objects = idx->second.objects_by_value.find(std::string(value));
  return objects == idx->second.objects_by_value.end() ? 0 : objects->second.size();
}

void Store::visit(std::string_view index, std::string_view value,
                  const std::function<void(const rapidjson::Value&)>& visit) const {
  std::shared_lock lock(mu_);
  if (index == kNamespaceIndex) {
    // Cluster-scoped objects have no namespace to be found by.
    auto names = value.empty() ? namespaces_.end() : namespaces_.find(value);
    if (names == namespaces_.end()) return;
    for (const auto& object : names->second) visit(*object);
    return;
  }
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return;
  auto objects = idx->second.objects_by_value.find(std::string(value));
  if (objects == idx->second.objects_by_value.end()) return;
  for (const rapidjson::Value* object : objects->second) visit(*object);
}

std::size_t Store::size() const {
  std::shared_lock lock(mu_);
  return size_;
}

}  // namespace steward::informer
