#include "desired/desired_state.hpp"

#include <algorithm>
#include <stdexcept>

#include "kube/object.hpp"

namespace steward::desired {

DesiredState::DesiredState(std::vector<SourceObjects> sources) : sources_(std::move(sources)) {
  std::sort(sources_.begin(), sources_.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& source : sources_) {
    for (const auto& object : source.objects) {
      auto [at, inserted] = by_key_.emplace(object->key, object);
      if (!inserted)
        throw std::invalid_argument("desired state: " + object->key.to_string() +
                                    " defined twice (" + at->second->location.to_string() +
                                    ", " + object->location.to_string() + ")");
      types_.emplace(std::string(kube::string_at(*object->object, {"apiVersion"})),
                     object->key.kind);
    }
  }
}

const SourceObjects* DesiredState::source(std::string_view name) const {
  for (const auto& source : sources_)
    if (source.name == name) return &source;
  return nullptr;
}

const DesiredObject* DesiredState::find(const ObjectKey& key) const {
  auto at = by_key_.find(key);
  return at == by_key_.end() ? nullptr : at->second.get();
}

const DesiredObject* DesiredState::defining_crd(std::string_view group,
                                                std::string_view kind) const {
  const ObjectKey first{"apiextensions.k8s.io", "CustomResourceDefinition", "", ""};
  for (auto it = by_key_.lower_bound(first);
       it != by_key_.end() && it->first.group == first.group && it->first.kind == first.kind;
       ++it) {
    const rapidjson::Value& crd = *it->second->object;
    if (kube::string_at(crd, {"spec", "group"}) == group &&
        kube::string_at(crd, {"spec", "names", "kind"}) == kind) {
      return it->second.get();
    }
  }
  return nullptr;
}

bool same_desired(const DesiredObject& a, const DesiredObject& b) {
  // The source is applied as an annotation, so moving an object between sources changes it.
  return a.source == b.source && (a.object == b.object || a.body.digest == b.body.digest);
}

DesiredDiff diff(const DesiredState& old_state, const DesiredState& new_state) {
  DesiredDiff out;
  // Both maps are sorted by key: one merge pass, and the outputs come out sorted.
  auto o = old_state.objects().begin(), o_end = old_state.objects().end();
  auto n = new_state.objects().begin(), n_end = new_state.objects().end();
  while (o != o_end || n != n_end) {
    if (n == n_end || (o != o_end && o->first < n->first)) {
      out.removed.push_back(o->first);
      ++o;
    } else if (o == o_end || n->first < o->first) {
      out.added.push_back(n->first);
      ++n;
    } else {
      if (!same_desired(*o->second, *n->second)) out.changed.push_back(n->first);
      ++o;
      ++n;
    }
  }
  return out;
}

}  // namespace steward::desired
