#include "desired/rescope.hpp"

#include <map>

#include "kube/resource.hpp"

namespace steward::desired {
namespace {

// A copy of `desired` with its scope resolved, its namespace and body made again if that moved it.
DesiredObjectPtr resolved(const DesiredObject& desired, bool namespaced,
                          const std::string& default_namespace) {
  auto out = std::make_shared<DesiredObject>(desired);
  out->scope_unknown = false;
  const bool set = namespaced && desired.key.ns.empty();
  const bool remove = !namespaced && !desired.key.ns.empty();
  if (!set && !remove) return out;
  auto object = kube::copy_object(*desired.object, 1024);
  auto& allocator = object->GetAllocator();
  auto& metadata = (*object)["metadata"];
  metadata.RemoveMember("namespace");
  out->key.ns = set ? default_namespace : std::string();
  if (set) {
    metadata.AddMember("namespace", rapidjson::Value(out->key.ns.c_str(), allocator), allocator);
  }
  out->object = std::move(object);
  make_body(*out);
  return out;
}

}  // namespace

std::optional<SourceLoad> rescope(const SourceObjects& source, const SourceSpec& spec,
                                  const ScopeFunc& is_namespaced) {
  if (!is_namespaced) return std::nullopt;
  SourceLoad load{.source = source.name};
  bool changed = false;
  for (const DesiredObjectPtr& object : source.objects) {
    std::optional<bool> namespaced;
    if (object->scope_unknown) {
      namespaced = is_namespaced(kube::string_at(*object->object, {"apiVersion"}), object->key.kind);
    }
    if (!namespaced) {
      load.objects.push_back(object);
      continue;
    }
    changed = true;
    load.objects.push_back(resolved(*object, *namespaced, spec.default_namespace));
  }
  if (!changed) return std::nullopt;
  std::map<ObjectKey, const Location*> first;
  for (const auto& object : load.objects) {
    auto [at, inserted] = first.emplace(object->key, &object->location);
    if (!inserted) {
      load.errors.push_back({object->location, "duplicate object " + object->key.to_string() +
                                                   " (also defined at " + at->second->to_string() +
                                                   ")"});
    }
  }
  if (!load.errors.empty()) load.objects.clear();
  return load;
}

}  // namespace steward::desired
