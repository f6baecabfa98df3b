#include "reconcile/source_set.hpp"

namespace steward::reconcile {

desired::ScopeFunc discovery_scopes(const kube::Discovery& discovery) {
  return [discovery = &discovery](std::string_view api_version,
                                  std::string_view kind) -> std::optional<bool> {
    const auto type = discovery->find(api_version, kind);
    if (!type) return std::nullopt;
    return type->namespaced;
  };
}

}  // namespace steward::reconcile
