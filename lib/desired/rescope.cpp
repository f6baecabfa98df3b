#include "desired/rescope.hpp"

#include "kube/resource.hpp"

namespace steward::desired {
namespace {

// A copy of `desired` with its scope resolved, its namespace and body made again if that moved it.
DesiredObjectPtr resolved(const DesiredObject& desired, bool namespaced, const SourceSpec& spec) {
  auto out = std::make_shared<DesiredObject>(desired);
  out->scope_unknown = false;
  const bool set = namespaced && desired.key.ns.empty();
  const bool remove = !namespaced && !desired.key.ns.empty();
  if (!set && !remove) return out;
  auto object = kube::copy_object(*desired.object, 1024);
  out->key.ns = set ? spec.default_namespace : std::string();
  set_namespace(*object, out->key.ns);
  out->object = std::move(object);
  make_body(*out, spec.applyset);
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
    load.objects.push_back(resolved(*object, *namespaced, spec));
  }
  if (!changed) return std::nullopt;
  check_duplicates(load);
  if (!load.ok()) load.objects.clear();  // all or nothing, as a load
  return load;
}

}  // namespace steward::desired
