#pragma once
// DesiredState: an immutable snapshot of everything steward should make true, per source.
// Readers (reconcile workers) hold a shared_ptr to one snapshot and see it whole while the store
// swaps in the next; nothing in a snapshot changes after construction.
//
// Invariant: a key appears at most once in a snapshot (the store refuses a source whose objects
// another source already defines).

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "desired/desired_object.hpp"

namespace steward::desired {

struct SourceObjects {
  std::string name;
  std::vector<DesiredObjectPtr> objects;  // in load order (files sorted, then documents)
};

class DesiredState {
 public:
  // (apiVersion, kind): what the informer manager must watch for this snapshot.
  using TypeRef = std::pair<std::string, std::string>;

  DesiredState() = default;
  // Sources in any order; they are kept sorted by name. Throws std::invalid_argument if two
  // objects share a key (callers check first; see DesiredStateStore).
  explicit DesiredState(std::vector<SourceObjects> sources);

  const std::vector<SourceObjects>& sources() const { return sources_; }
  const SourceObjects* source(std::string_view name) const;
  const DesiredObject* find(const ObjectKey& key) const;
  // The CustomResourceDefinition of this snapshot that defines `kind` in `group` (spec.group and
  // spec.names.kind), or null.
  const DesiredObject* defining_crd(std::string_view group, std::string_view kind) const;
  const std::map<ObjectKey, DesiredObjectPtr>& objects() const { return by_key_; }
  const std::set<TypeRef>& types() const { return types_; }
  std::size_t size() const { return by_key_.size(); }

 private:
  std::vector<SourceObjects> sources_;
  std::map<ObjectKey, DesiredObjectPtr> by_key_;
  std::set<TypeRef> types_;
};

// The keys a new snapshot must enqueue: added, changed (different canonical JSON or a different
// source) and removed, each sorted.
struct DesiredDiff {
  std::vector<ObjectKey> added;
  std::vector<ObjectKey> changed;
  std::vector<ObjectKey> removed;
  bool empty() const { return added.empty() && changed.empty() && removed.empty(); }
};

DesiredDiff diff(const DesiredState& old_state, const DesiredState& new_state);

// Whether two desired objects would be applied differently.
bool same_desired(const DesiredObject& a, const DesiredObject& b);

}  // namespace steward::desired
