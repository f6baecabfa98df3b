#pragma once
// Store: the informer's cache. Objects keyed by "namespace/name" (or "name" when cluster-scoped),
// held as immutable shared values: a reader gets a pointer, never a copy, and a writer swaps in
// a new object. Indexes map a value (a namespace, an owner) to the objects that have it; the
// namespace index is always there.
//
// Writers (the reflector) get back what they replaced, so the informer can tell handlers the old
// and the new object. Thread-safe: readers share a lock, the one writer takes it exclusively.
//
// No key string is kept per object: objects are grouped by namespace (the namespace index is that
// grouping) and found by hashing and comparing the name inside them, and a custom index holds
// pointers to the objects, not their keys. A hash node and two key copies per object were ~165 of
// 1,820 bytes an object with 50,000 1 KiB ConfigMaps (docs/performance.md, "Informer"); the
// open-addressing tables here take about 21.

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
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

  // Adds an index; call before the store is filled. kNamespaceIndex is built in: adding one of
  // that name throws std::invalid_argument.
  void add_index(std::string name, IndexFunc func);

  // Inserts or replaces; returns the object it replaced, or nullptr.
  ObjectPtr upsert(ObjectPtr object);
  // Removes; returns the object removed, or nullptr if there was none.
  ObjectPtr remove(std::string_view key);
  ObjectPtr remove(std::string_view ns, std::string_view name);

  // Replaces the whole content (after a list). What changed, for the handlers:
  struct Changes {
    std::vector<ObjectPtr> added;
    std::vector<std::pair<ObjectPtr, ObjectPtr>> updated;  // (old, new), resourceVersion differs
    std::vector<ObjectPtr> unchanged;                      // same resourceVersion as before
    std::vector<ObjectPtr> deleted;                        // gone from the new content
  };
  Changes replace(std::vector<ObjectPtr> objects);

  ObjectPtr get(std::string_view key) const;
  // The object `name` in namespace `ns` ("" for cluster-scoped): no key string to build and split.
  ObjectPtr get(std::string_view ns, std::string_view name) const;
  std::vector<ObjectPtr> list() const;
  std::vector<ObjectPtr> by_index(std::string_view index, std::string_view value) const;
  // How many objects have `value` for a custom index, without copying any pointer.
  std::size_t count(std::string_view index, std::string_view value) const;
  // Calls visit(object) for each object with `value` for an index (kNamespaceIndex included),
  // under the read lock:
  // `visit` must be quick and must not call back into the store.
  void visit(std::string_view index, std::string_view value,
             const std::function<void(const rapidjson::Value&)>& visit) const;
  std::size_t size() const;

 private:
  // The objects of one namespace, found by name: hashed and compared by the name inside them, and
  // looked up by a name without an object.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const;
    std::size_t operator()(const ObjectPtr& object) const;
  };
  struct NameEqual {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const;
  };
  using Names = boost::unordered_flat_set<ObjectPtr, NameHash, NameEqual>;
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };
  // Objects by namespace; cluster-scoped ones under "".
  using Namespaces = boost::unordered_flat_map<std::string, Names, StringHash, std::equal_to<>>;
  // The objects of one value of a custom index. Raw pointers: `namespaces_` owns the objects, and
  // the write that takes an object out of it takes it out of the indexes too.
  using ObjectSet = boost::unordered_flat_set<const rapidjson::Value*>;
  struct Index {
    IndexFunc func;
    boost::unordered_flat_map<std::string, ObjectSet> objects_by_value;
  };
  static Names* names_in(Namespaces& namespaces, std::string_view ns);
  // Takes the object `ns`/`name` out of `namespaces`, if it is there.
  static ObjectPtr take_locked(Namespaces& namespaces, std::string_view ns, std::string_view name);
  void index_locked(const rapidjson::Value* old_object, const rapidjson::Value* new_object);
  static void index_one(Index& index, const rapidjson::Value& object);

  mutable std::shared_mutex mu_;  // guards everything below
  Namespaces namespaces_;
  std::size_t size_ = 0;
  std::map<std::string, Index, std::less<>> indexes_;  // the custom ones
};

}  // namespace steward::informer
