#pragma once
// LiveView: what the reconcile decision sees of the cluster, one key at a time. The controller
// answers it from the informers' caches, so an in-sync key costs no API call; `steward diff`
// answers it from a GET.

#include <functional>
#include <optional>
#include <string_view>

#include "desired/desired_object.hpp"
#include "kube/object.hpp"
#include "kube/resource.hpp"

namespace steward::reconcile {

struct LiveLookup {
  std::optional<kube::ResourceType> type;  // nullopt: the kind is not served (yet)
  bool synced = false;                     // its cache has delivered its first list
  kube::ObjectPtr object;                  // the cached object, or null
  // Without a type: discovery has read the server's kinds and this one is not among them (false
  // while discovery has not answered).
  bool not_served = false;
};

class LiveView {
 public:
  virtual ~LiveView() = default;
  // The key's kind in whichever version is watched for it (versions of a kind are the same objects).
  virtual LiveLookup find(const desired::ObjectKey& key) const = 0;

  // What a prune of a Namespace or a CRD waits for (plan.hpp) is read through these. A view
  // without caches (steward diff's) visits nothing.
  using Visit = std::function<void(const rapidjson::Value& object)>;
  // Calls visit(object) for each object in namespace `ns`, of every kind the view holds.
  virtual void visit_namespace(std::string_view ns, const Visit& visit) const {
    (void)ns, (void)visit;
  }
  // Calls visit(object) for each object of `kind` in `group` the view holds.
  virtual void visit_kind(std::string_view group, std::string_view kind, const Visit& visit) const {
    (void)group, (void)kind, (void)visit;
  }
};

}  // namespace steward::reconcile
