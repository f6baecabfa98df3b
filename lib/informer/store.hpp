#pragma once
// Store: the informer's cache. Objects keyed by "namespace/name" (or "name" when cluster-scoped),
// held as immutable shared values: a reader gets a pointer, never a copy, and a writer swaps in
// a new object. Indexes map a value (a namespace, an owner) to the keys of objects that have it;
// the namespace index is always there.
//
// Writers (the reflector) get back what they replaced, so the informer can tell handlers the old
// and the new object. Thread-safe: readers share a lock, the one writer takes it exclusively.

#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "kube/object.hpp"

namespace steward::informer {

using kube::ObjectPtr;

// "namespace/name", or "name" for a cluster-scoped object (client-go's MetaNamespaceKeyFunc).
std::string object_key(const rapidjson::Value& object);

class Store {
 public:
  // The values an object has for one index (e.g. its namespace).
  using IndexFunc = std::function<std::vector<std::string>(const rapidjson::Value&)>;
  static constexpr std::string_view kNamespaceIndex = "namespace";

  Store();

  // Adds an index; call before the store is filled.
  void add_index(std::string name, IndexFunc func);

  // Inserts or replaces; returns the object it replaced, or nullptr.
  ObjectPtr upsert(ObjectPtr object);
  // Removes; returns the object removed, or nullptr if there was none.
  ObjectPtr remove(std::string_view key);

  // Replaces the whole content (after a list). What changed, for the handlers:
  struct Changes {
    std::vector<ObjectPtr> added;
    std::vector<std::pair<ObjectPtr, ObjectPtr>> updated;  // (old, new), resourceVersion differs
    std::vector<ObjectPtr> unchanged;                      // same resourceVersion as before
    std::vector<ObjectPtr> deleted;                        // gone from the new content
  };
  Changes replace(std::vector<ObjectPtr> objects);

  ObjectPtr get(std::string_view key) const;
  std::vector<ObjectPtr> list() const;
  std::vector<ObjectPtr> by_index(std::string_view index, std::string_view value) const;
  std::size_t size() const;

 private:
  struct Index {
    IndexFunc func;
    std::unordered_map<std::string, std::unordered_set<std::string>> keys_by_value;
  };
  void index_locked(const std::string& key, const rapidjson::Value* old_object, const rapidjson::Value* new_object);

  mutable std::shared_mutex mu_;  // guards objects_ and indexes_
  std::unordered_map<std::string, ObjectPtr> objects_;
  std::map<std::string, Index, std::less<>> indexes_;
};

}  // namespace steward::informer
