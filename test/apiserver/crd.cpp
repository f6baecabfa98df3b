// CustomResourceDefinition lifecycle (api.hpp): once created, the real apiextensions controllers
// accept the names and mark the CRD Established in a second write (27 -> 28), after which the
// resource is in discovery and served. Deleting the CRD removes its objects and its resource.
#include "api.hpp"
#include "managed_fields.hpp"
#include "object_format.hpp"

namespace steward::testapi {

namespace {
json::Value condition(const std::string& type, const std::string& reason, const std::string& message,
                      const std::string& time) {
  json::Value c = json::Value::object();
  c["type"] = type;
  c["status"] = "True";
  c["lastTransitionTime"] = time;
  c["reason"] = reason;
  c["message"] = message;
  return c;
}
const std::string kCrdKey = "apiextensions.k8s.io/customresourcedefinitions";
const std::string kCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";
}  // namespace

void Api::establish_crd(const std::string& name) {
  ObjectPtr crd = store_.get(kCrdKey, "", name);
  if (!crd || crd->at_path("metadata.deletionTimestamp")) return;
  json::Value updated = *crd;
  std::string t = now();
  json::Value conditions = json::Value::array();
  conditions.as_array().push_back(condition("NamesAccepted", "NoConflicts", "no conflicts found", t));
  conditions.as_array().push_back(
      condition("Established", "InitialNamesAccepted", "the initial names have been accepted", t));
  json::Value& status = updated["status"];
  status["conditions"] = std::move(conditions);
  if (const json::Value* names = crd->at_path("spec.names")) status["acceptedNames"] = *names;
  record_update(updated, *crd, "kube-apiserver", "apiextensions.k8s.io/v1", t);
  register_crd(updated);
  const json::Value* group = updated.at_path("spec.group");
  const json::Value* plural = updated.at_path("spec.names.plural");
  std::string storage = group && plural && group->is_string() && plural->is_string()
                            ? group->as_string() + "/" + plural->as_string()
                            : std::string{};
  store_.update(kCrdKey, std::move(updated));
  // The resource's watch cache starts now, at the current revision: a watch from before the CRD
  // was established is too old (unlike a built-in's, whose cache starts with the server).
  if (!storage.empty()) store_.start_cache(storage);
}

void Api::register_crd(const json::Value& crd) {
  const json::Value* spec = crd.find("spec");
  if (!spec) return;
  std::string group = spec->str("group");
  const json::Value* names = spec->find("names");
  if (!names) return;
  std::string plural = names->str("plural");
  if (group.empty() || plural.empty()) return;
  registry_.remove(group, plural);
  bool status_sub = false;
  std::string storage_version;
  const json::Value* versions = spec->find("versions");
  if (!versions || !versions->is_array()) return;
  for (const auto& v : versions->as_array())
    if (const json::Value* s = v.find("storage"); s && s->is_bool() && s->as_bool()) storage_version = v.str("name");
  for (const auto& v : versions->as_array()) {
    const json::Value* served = v.find("served");
    if (!served || !served->is_bool() || !served->as_bool()) continue;
    ResourceType t;
    t.group = group;
    t.version = v.str("name");
    t.resource = plural;
    t.singular = names->str("singular");
    t.kind = names->str("kind");
    t.list_kind = names->str("listKind").empty() ? t.kind + "List" : names->str("listKind");
    t.namespaced = spec->str("scope") != "Cluster";
    t.verbs = {"delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"};
    if (const json::Value* sn = names->find("shortNames"); sn && sn->is_array())
      for (const auto& s : sn->as_array()) t.short_names.push_back(s.is_string() ? s.as_string() : "");
    if (const json::Value* cats = names->find("categories"); cats && cats->is_array())
      for (const auto& s : cats->as_array()) t.categories.push_back(s.is_string() ? s.as_string() : "");
    t.builtin = false;
    t.has_generation = true;
    status_sub = v.at_path("subresources.status") != nullptr;
    t.status_subresource = status_sub;
    t.storage_version_hash = storage_version_hash(group, storage_version, t.kind);
    registry_.add(std::move(t));
  }
}

Response Api::mark_crd_deleted(const ResourceType& type, const json::Value& crd) {
  // As the real apiextensions registry: the first DELETE sets deletionTimestamp, the cleanup
  // finalizer and a Terminating condition, and answers the marked CRD; its finalizer controller
  // (in kube-apiserver as well) deletes the custom objects, then drops the finalizer.
  std::string name = crd.at_path("metadata.name")->as_string();
  json::Value marked = crd;
  std::string t = now();
  marked["metadata"]["deletionTimestamp"] = t;
  json::Value& finalizers = marked["metadata"]["finalizers"];
  if (!finalizers.is_array()) finalizers = json::Value::array();
  bool present = false;
  for (const auto& f : finalizers.as_array()) present = present || (f.is_string() && f.as_string() == kCleanupFinalizer);
  if (!present) finalizers.as_array().push_back(kCleanupFinalizer);
  json::Value& conditions = marked["status"]["conditions"];
  if (!conditions.is_array()) conditions = json::Value::array();
  std::erase_if(conditions.as_array(), [](const json::Value& c) { return c.str("type") == "Terminating"; });
  json::Value c = condition("Terminating", "InstanceDeletionPending",
                            "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon", t);
  conditions.as_array().push_back(std::move(c));
  if (dry_run_) return json_response(200, format_object(type, marked, Framing::WithKind));
  ObjectPtr stored = store_.update(kCrdKey, std::move(marked));
  defer_([this, name] { finish_crd_deletion(name); });
  return json_response(200, format_object(type, *stored, Framing::WithKind));
}

void Api::finish_crd_deletion(const std::string& name) {
  ObjectPtr crd = store_.get(kCrdKey, "", name);
  if (!crd || !crd->at_path("metadata.deletionTimestamp")) return;
  remove_crd_storage(*crd);
  json::Value updated = *crd;
  json::Value& finalizers = updated["metadata"]["finalizers"];
  if (finalizers.is_array())
    std::erase_if(finalizers.as_array(), [](const json::Value& f) { return f.is_string() && f.as_string() == kCleanupFinalizer; });
  if (finalizers.is_array() && !finalizers.as_array().empty()) {
    store_.update(kCrdKey, std::move(updated));  // someone else's finalizer still holds it
    return;
  }
  store_.remove(kCrdKey, "", name);
}

void Api::remove_crd_storage(const json::Value& crd) {
  std::string group = crd.at_path("spec.group") ? crd.at_path("spec.group")->as_string() : std::string{};
  std::string plural = crd.at_path("spec.names.plural") ? crd.at_path("spec.names.plural")->as_string() : std::string{};
  std::string key = group + "/" + plural;
  auto page = store_.list(key, "", "", 0, [](const json::Value&) { return true; });
  for (const auto& o : page.items) {
    const json::Value* m = o->find("metadata");
    store_.remove(key, m->str("namespace"), m->str("name"));
  }
  registry_.remove(group, plural);
  if (on_storage_removed) on_storage_removed(key);
}

}  // namespace steward::testapi
