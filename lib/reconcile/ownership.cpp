#include "reconcile/ownership.hpp"

#include "kube/resource.hpp"

namespace steward::reconcile {

using rapidjson::Value;

std::string_view owning_source(const Value& live) {
  if (kube::string_at(live, {"metadata", "labels", kManagedByLabel}) != kManagedByValue) return {};
  return kube::string_at(live, {"metadata", "annotations", kSourceAnnotation});
}

std::vector<std::string> source_index(const Value& live) {
  const std::string_view source = owning_source(live);
  if (source.empty()) return {};
  return {std::string(source)};
}

std::string_view applied_hash(const Value& live) {
  return kube::string_at(live, {"metadata", "annotations", kDesiredHashAnnotation});
}

desired::ObjectKey key_of(const Value& object) {
  const auto [group, version] =
      kube::split_api_version(kube::string_at(object, {"apiVersion"}));
  (void)version;
  return {std::string(group), std::string(kube::string_at(object, {"kind"})),
          std::string(kube::string_at(object, {"metadata", "namespace"})),
          std::string(kube::string_at(object, {"metadata", "name"}))};
}

}  // namespace steward::reconcile
