// Writes: create, update, merge/JSON patch, server-side apply, delete (api.hpp).
#include "api.hpp"
#include "api_error.hpp"
#include "defaulting.hpp"
#include "managed_fields.hpp"
#include "object_format.hpp"
#include "scale.hpp"
#include "strategic_merge.hpp"
#include "validation.hpp"
#include "yaml_to_json.hpp"

namespace steward::testapi {

namespace {

ApiError invalid_error(std::string message) {
  ApiError e;
  e.code = 422;
  e.reason = "Invalid";
  e.message = std::move(message);
  return e;
}

// Protobuf bodies (kubectl >= 1.30 sends them for typed built-ins) are not decoded here.
void require_json(const std::string& content_type) {
  if (content_type.find("protobuf") == std::string::npos) return;
  ApiError e;
  e.code = 415;
  e.reason = "UnsupportedMediaType";
  e.message = "the body of the request was in an unknown format - accepted media types include: application/json, "
              "application/yaml (steward-testapi does not decode " + content_type + ")";
  throw e;
}

json::Value parse_body(const std::string& body) {
  try {
    return json::parse(body);
  } catch (const json::ParseError& e) {
    throw bad_request(std::string("the object provided is unrecognized (") + e.what() + ")");
  }
}

std::string meta_str(const json::Value& obj, const char* field) {
  const json::Value* m = obj.find("metadata");
  return m ? m->str(field) : std::string{};
}

// Everything but metadata and status: what bumps metadata.generation when it changes.
bool spec_changed(const json::Value& a, const json::Value& b) {
  auto strip = [](json::Value v) {
    v.erase("metadata");
    v.erase("status");
    v.erase("kind");
    v.erase("apiVersion");
    return v;
  };
  return !(strip(a) == strip(b));
}

bool same_ignoring_rv(const json::Value& a, const json::Value& b) {
  json::Value x = a, y = b;
  x["metadata"].erase("resourceVersion");
  y["metadata"].erase("resourceVersion");
  return x == y;
}

// Server-owned metadata carried over from the stored object on every update.
void keep_server_metadata(const json::Value& old, json::Value& updated) {
  const json::Value& om = *old.find("metadata");
  json::Value& nm = updated["metadata"];
  for (const char* k : {"uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds",
                        "managedFields", "namespace", "name"}) {
    if (const json::Value* v = om.find(k)) {
      nm[k] = *v;
    } else {
      nm.erase(k);
    }
  }
}

bool has_finalizers(const json::Value& obj) {
  const json::Value* f = obj.at_path("metadata.finalizers");
  return f && f->is_array() && !f->as_array().empty();
}

// RFC 6902 JSON patch: add, remove, replace and test (what clients send in practice).
void json_patch(json::Value& doc, const json::Value& ops) {
  if (!ops.is_array()) throw bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  for (const auto& op : ops.as_array()) {
    std::string kind = op.str("op");
    std::string path = op.str("path");
    std::vector<std::string> tokens;
    for (std::size_t pos = 1; pos <= path.size() && !path.empty();) {
      auto next = path.find('/', pos);
      std::string tok = path.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      for (std::size_t i; (i = tok.find("~1")) != std::string::npos;) tok.replace(i, 2, "/");
      for (std::size_t i; (i = tok.find("~0")) != std::string::npos;) tok.replace(i, 2, "~");
      tokens.push_back(tok);
      if (next == std::string::npos) break;
      pos = next + 1;
    }
    if (tokens.empty()) throw bad_request("jsonpatch: the root cannot be patched");
    json::Value* parent = &doc;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
      if (parent->is_array()) {
        std::size_t idx = std::stoul(tokens[i]);
        if (idx >= parent->as_array().size()) parent = nullptr;
        else parent = &parent->as_array()[idx];
      } else {
        parent = parent->find(tokens[i]);
      }
      if (!parent) throw invalid_error("jsonpatch " + kind + " operation does not apply: doc is missing path: " + path);
    }
    const std::string& last = tokens.back();
    const json::Value* value = op.find("value");
    auto missing = [&] { return invalid_error("jsonpatch " + kind + " operation does not apply: doc is missing key: " + path); };
    if (parent->is_array()) {
      auto& arr = parent->as_array();
      std::size_t idx = last == "-" ? arr.size() : std::stoul(last);
      if (kind == "add" && value && idx <= arr.size()) arr.insert(arr.begin() + static_cast<long>(idx), *value);
      else if (kind == "remove" && idx < arr.size()) arr.erase(arr.begin() + static_cast<long>(idx));
      else if (kind == "replace" && value && idx < arr.size()) arr[idx] = *value;
      else if (kind == "test" && value && idx < arr.size()) {
        if (!(arr[idx] == *value)) throw invalid_error("testing value " + path + " failed");
      } else throw missing();
    } else {
      if (kind == "add" && value) (*parent)[last] = *value;
      else if (kind == "remove") { if (!parent->erase(last)) throw missing(); }
      else if (kind == "replace" && value) { if (!parent->find(last)) throw missing(); (*parent)[last] = *value; }
      else if (kind == "test" && value) {
        const json::Value* cur = parent->find(last);
        if (!cur || !(*cur == *value)) throw invalid_error("testing value " + path + " failed");
      } else throw bad_request("Unexpected kind: " + kind);
    }
  }
}

}  // namespace

void Api::stamp_new(const ResourceType& type, json::Value& obj) {
  json::Value& meta = obj["metadata"];
  meta["uid"] = new_uid();
  meta["creationTimestamp"] = now();
  if (type.has_generation) meta["generation"] = 1;
  else meta.erase("generation");
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta.erase("managedFields");
  meta.erase("selfLink");
}

void Api::check_body_identity(const Target& t, json::Value& body, bool require_name_match) {
  if (!body.is_object()) throw bad_request("the object provided is unrecognized (not an object)");
  std::string api_version = body.str("apiVersion");
  std::string kind = body.str("kind");
  // Built-ins accept either the group/version or an empty one; a different one is an error.
  if (!api_version.empty() && api_version != t.type.api_version())
    throw bad_request("the API version in the data (" + api_version + ") does not match the expected API version (" +
                      t.type.api_version() + ")");
  if (!kind.empty() && kind != t.type.kind)
    throw bad_request("the kind in the data (" + kind + ") does not match the expected kind (" + t.type.kind + ")");
  body["apiVersion"] = t.type.api_version();
  body["kind"] = t.type.kind;
  json::Value& meta = body["metadata"];
  if (!meta.is_object()) meta = json::Value::object();
  if (t.type.namespaced) {
    std::string ns = meta.str("namespace");
    if (!ns.empty() && ns != t.ns)
      throw bad_request("the namespace of the provided object does not match the namespace sent on the request");
    meta["namespace"] = t.ns;
  } else {
    meta.erase("namespace");
  }
  if (require_name_match && meta.str("name") != t.name) {
    throw bad_request("the name of the object (" + meta.str("name") + ") does not match the name on the URL (" +
                      t.name + ")");
  }
}

Response Api::create(const Target& t, const Request& req) {
  require_json(req.content_type);
  json::Value body = parse_body(req.body);
  check_body_identity(t, body, false);
  json::Value& meta = body["metadata"];
  std::string name = meta.str("name");
  if (name.empty() && !meta.str("generateName").empty()) {
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    name = meta.str("generateName");
    for (int i = 0; i < 5; ++i) name += alphabet[rng_() % (sizeof alphabet - 1)];
    meta["name"] = name;
  }
  if (name.empty()) {
    ApiError e;
    e.code = 422;
    e.reason = "Invalid";
    e.message = t.type.kind + " \"\" is invalid: metadata.name: Required value: name or generateName is required";
    e.has_details = true;
    e.kind = t.type.kind;
    e.group = t.type.group;
    e.causes.push_back({"FieldValueRequired", "Required value: name or generateName is required", "metadata.name"});
    throw e;
  }
  if (!meta.str("resourceVersion").empty()) throw bad_request("resourceVersion should not be set on objects to be created");
  validate_event(t, body);
  validate_name(t, name);
  require_namespace(t);
  if (store_.get(t.type.storage_key(), t.ns, name)) throw already_exists(t.type.group, t.type.resource, name);

  stamp_new(t.type, body);
  if (t.type.status_subresource && t.type.kind != "CustomResourceDefinition") body.erase("status");
  std::vector<FieldPath> unowned;
  for (const auto& p : strategy_set_fields(t.type))
    if (!value_at(body, p)) unowned.push_back(p);
  normalize(t.type, body);
  // The real field manager diffs a create against the kind's zero value, before the registry
  // allocates or adds anything.
  record_update(body, zero_object(t.type), manager_for(req, "unknown"), t.type.api_version(), now());
  if (!unowned.empty()) {
    auto entries = read_managed_fields(body);
    for (auto& e : entries)
      for (const auto& p : unowned) steward::testapi::remove(e.fields, p);
    write_managed_fields(body, std::move(entries));
  }
  if (dry_run_) return json_response(201, format_object(t.type, body, Framing::WithKind));
  ObjectPtr stored = store_.create(t.type.storage_key(), std::move(body));
  if (t.type.kind == "CustomResourceDefinition" && t.type.group == "apiextensions.k8s.io")
    defer_([this, name] { establish_crd(name); });
  return json_response(201, format_object(t.type, *stored, Framing::WithKind));
}

Response Api::update(const Target& t, const Request& req) {
  require_json(req.content_type);
  json::Value body = parse_body(req.body);
  if (t.subresource == "scale") {  // a Scale, not the object
    ObjectPtr old = store_.get(t.type.storage_key(), t.ns, t.name);
    if (!old) throw not_found(t.type.group, t.type.resource, t.name);
    return write_scale(t, *old, body);
  }
  check_body_identity(t, body, true);
  ObjectPtr old = store_.get(t.type.storage_key(), t.ns, t.name);
  if (!old) throw not_found(t.type.group, t.type.resource, t.name);
  std::string rv = meta_str(body, "resourceVersion");
  if (rv.empty() && !t.type.builtin) {
    // Custom resources allow no unconditional update (their strategy's AllowUnconditionalUpdate).
    ApiError e;
    e.code = 422;
    e.reason = "Invalid";
    std::string detail = "Invalid value: 0x0: must be specified for an update";
    e.message = t.type.resource + "." + t.type.group + " \"" + t.name + "\" is invalid: metadata.resourceVersion: " + detail;
    e.has_details = true;
    e.name = t.name;
    e.group = t.type.group;
    e.kind = t.type.resource;
    e.causes.push_back({"FieldValueInvalid", detail, "metadata.resourceVersion"});
    throw e;
  }
  if (!rv.empty() && rv != meta_str(*old, "resourceVersion")) throw conflict_modified(t.type.group, t.type.resource, t.name);
  json::Value updated;
  if (t.subresource == "status") {
    updated = *old;
    if (const json::Value* s = body.find("status")) updated["status"] = *s;
    else updated.erase("status");
  } else {
    updated = std::move(body);
    keep_server_metadata(*old, updated);
    if (t.type.status_subresource) {
      if (const json::Value* s = old->find("status")) updated["status"] = *s;
      else updated.erase("status");
    }
  }
  return commit_update(t, *old, std::move(updated), manager_for(req, "unknown"));
}

Response Api::patch(const Target& t, const Request& req) {
  std::string ct = req.content_type.substr(0, req.content_type.find(';'));
  if (ct == "application/apply-patch+yaml") {
    if (t.subresource == "scale") throw unsupported_media_type();
    return apply(t, req);
  }
  ObjectPtr old = store_.get(t.type.storage_key(), t.ns, t.name);
  if (!old) throw not_found(t.type.group, t.type.resource, t.name);
  // The scale subresource patches the Scale it shows, not the object.
  json::Value updated = t.subresource == "scale" ? scale_of(*old) : *old;
  if (t.subresource != "scale") {
    updated["apiVersion"] = t.type.api_version();
    updated["kind"] = t.type.kind;
  }
  json::Value body = parse_body(req.body);
  if (ct == "application/merge-patch+json" || ct == "application/strategic-merge-patch+json") {
    if (!body.is_object()) throw bad_request("the patch is not a JSON object");
    // Custom resources accept only JSON merge patches (as the real server); built-ins both.
    if (ct == "application/strategic-merge-patch+json") {
      if (!t.type.builtin) throw unsupported_media_type();
      strategic_merge_patch(updated, body);
    } else {
      json::merge_patch(updated, body);
    }
    std::string rv = meta_str(body, "resourceVersion");
    if (!rv.empty() && rv != meta_str(*old, "resourceVersion"))
      throw conflict_modified(t.type.group, t.type.resource, t.name);
  } else if (ct == "application/json-patch+json") {
    json_patch(updated, body);
  } else {
    throw unsupported_media_type();
  }
  if (t.subresource == "scale") return write_scale(t, *old, updated);
  json::Value result = *old;
  if (t.subresource == "status") {
    if (const json::Value* s = updated.find("status")) result["status"] = *s;
    else result.erase("status");
  } else {
    result = std::move(updated);
    keep_server_metadata(*old, result);
    if (t.type.status_subresource) {
      if (const json::Value* s = old->find("status")) result["status"] = *s;
      else result.erase("status");
    }
  }
  return commit_update(t, *old, std::move(result), manager_for(req, "unknown"));
}

Response Api::commit_update(const Target& t, const json::Value& old, json::Value updated, const std::string& manager) {
  if (!updated.find("metadata") || !updated.find("metadata")->is_object()) updated["metadata"] = json::Value::object();
  if (t.type.builtin && t.type.kind == "Service") {
    // An update that leaves the allocated cluster IP out keeps it (1.20's patchAllocatedValues).
    const json::Value* ip = old.at_path("spec.clusterIP");
    const json::Value* ips = old.at_path("spec.clusterIPs");
    json::Value& spec = updated["spec"];
    if (ip && !spec.find("clusterIP")) spec["clusterIP"] = *ip;
    if (ips && !spec.find("clusterIPs")) spec["clusterIPs"] = *ips;
  }
  normalize(t.type, updated);
  validate_event(t, updated);
  if (auto immutable = immutable_field_error(t.type, old, updated)) throw *immutable;
  if (t.type.has_generation && spec_changed(old, updated)) {
    const json::Value* g = old.at_path("metadata.generation");
    updated["metadata"]["generation"] = (g && g->is_int() ? g->as_int() : 0) + 1;
  }
  if (!manager.empty()) record_update(updated, old, manager, t.type.api_version(), now());
  if (same_ignoring_rv(old, updated)) return json_response(200, format_object(t.type, old, Framing::WithKind));
  if (dry_run_) return json_response(200, format_object(t.type, updated, Framing::WithKind));
  if (updated.at_path("metadata.deletionTimestamp") && !has_finalizers(updated)) {
    // The last finalizer is gone: the real server aborts the update and deletes instead, so
    // watchers see one DELETED event, not a MODIFIED first.
    // Watchers get the last stored state (finalizers and all) at the delete's version; the caller
    // gets its update as it would have been stored, at the version it had.
    store_.remove(t.type.storage_key(), t.ns, t.name);
    updated["metadata"]["resourceVersion"] = meta_str(old, "resourceVersion");
    return json_response(200, format_object(t.type, updated, Framing::WithKind));
  }
  ObjectPtr stored = store_.update(t.type.storage_key(), std::move(updated));
  return json_response(200, format_object(t.type, *stored, Framing::WithKind));
}

Response Api::write_scale(const Target& t, const json::Value& old, const json::Value& scale) {
  std::string rv = meta_str(scale, "resourceVersion");
  if (!rv.empty() && rv != meta_str(old, "resourceVersion")) throw conflict_modified(t.type.group, t.type.resource, t.name);
  const json::Value* replicas = scale.at_path("spec.replicas");
  if (replicas && !replicas->is_null() && !replicas->is_int()) throw bad_request("spec.replicas of the Scale is not an integer");
  json::Value updated = old;
  updated["spec"]["replicas"] = replicas && replicas->is_int() ? replicas->as_int() : std::int64_t{0};
  // 1.20 leaves managedFields alone on a write through /scale (the managers of the object keep
  // spec.replicas): no manager is recorded.
  Response r = commit_update(t, old, std::move(updated), "");
  if (r.status == 200) r.body = json::write(scale_of(json::parse(r.body)));
  return r;
}

Response Api::apply(const Target& t, const Request& req) {
  std::string manager = req.param("fieldManager");
  if (manager.empty()) {
    ApiError e;
    e.code = 422;
    e.reason = "Invalid";
    e.message = "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch";
    e.has_details = true;
    e.group = "meta.k8s.io";
    e.kind = "PatchOptions";
    e.causes.push_back({"FieldValueRequired", "Required value: is required for apply patch", "fieldManager"});
    throw e;
  }
  bool force = req.flag("force");
  json::Value config;
  try {
    config = yaml_to_json(req.body);
  } catch (const json::ParseError& e) {
    throw bad_request(std::string("error decoding YAML: ") + e.what());
  }
  if (!config.is_object()) throw bad_request("error decoding YAML: the apply configuration is not an object");
  if (config.str("apiVersion").empty() || config.str("kind").empty())
    throw bad_request("error decoding YAML: Object 'Kind' is missing in the apply configuration");
  check_body_identity(t, config, true);

  ObjectPtr old = store_.get(t.type.storage_key(), t.ns, t.name);
  if (!old) {
    validate_name(t, t.name);
    require_namespace(t);
  }
  json::Value live = old ? *old : json::Value::object();
  auto normalize_fn = [&](json::Value& o) { normalize(t.type, o); };
  ApplyResult result = server_side_apply(live, config, manager, t.type.api_version(), force, now(), normalize_fn);
  if (!result.conflicts.empty()) {
    ApiError e;
    e.code = 409;
    e.reason = "Conflict";
    e.has_details = true;
    std::size_t n = result.conflicts.size();
    if (n == 1) {
      e.message = "Apply failed with 1 conflict: conflict with " + result.conflicts[0].manager + ": " +
                  path_string(result.conflicts[0].path);
    } else {
      std::map<std::string, std::vector<std::string>> by_manager;
      for (const auto& c : result.conflicts) by_manager[c.manager].push_back(path_string(c.path));
      std::string text;
      for (const auto& [m, paths] : by_manager) {
        if (!text.empty()) text += "\n";
        text += "conflicts with " + m + ":";
        for (const auto& p : paths) text += "\n- " + p;
      }
      e.message = "Apply failed with " + std::to_string(n) + " conflicts: " + text;
    }
    for (const auto& c : result.conflicts)
      e.causes.push_back({"FieldManagerConflict", "conflict with " + c.manager, path_string(c.path)});
    throw e;
  }
  json::Value merged = std::move(result.object);
  validate_event(t, merged);
  if (old) {
    if (auto immutable = immutable_field_error(t.type, *old, merged)) throw *immutable;
  }
  if (!old) {
    json::Value managed = merged.at_path("metadata.managedFields") ? *merged.at_path("metadata.managedFields") : json::Value{};
    stamp_new(t.type, merged);
    if (!managed.is_null()) merged["metadata"]["managedFields"] = std::move(managed);
    if (t.type.status_subresource && !t.type.builtin) merged.erase("status");
    if (dry_run_) return json_response(201, format_object(t.type, merged, Framing::WithKind));
    ObjectPtr stored = store_.create(t.type.storage_key(), std::move(merged));
    if (t.type.kind == "CustomResourceDefinition" && t.type.group == "apiextensions.k8s.io") {
      std::string name = t.name;
      defer_([this, name] { establish_crd(name); });
    }
    return json_response(201, format_object(t.type, *stored, Framing::WithKind));
  }
  if (t.type.status_subresource) {
    if (const json::Value* s = old->find("status")) merged["status"] = *s;
  }
  if (t.type.has_generation && spec_changed(*old, merged)) {
    const json::Value* g = old->at_path("metadata.generation");
    merged["metadata"]["generation"] = (g && g->is_int() ? g->as_int() : 0) + 1;
  }
  // Applying what is already there changes nothing, not even the resourceVersion (14).
  if (same_ignoring_rv(*old, merged)) return json_response(200, format_object(t.type, *old, Framing::WithKind));
  if (dry_run_) return json_response(200, format_object(t.type, merged, Framing::WithKind));
  ObjectPtr stored = store_.update(t.type.storage_key(), std::move(merged));
  return json_response(200, format_object(t.type, *stored, Framing::WithKind));
}

Response Api::remove(const Target& t, const Request& req) {
  ObjectPtr old = store_.get(t.type.storage_key(), t.ns, t.name);
  json::Value options = json::Value::object();
  if (!req.body.empty()) {
    require_json(req.content_type);
    options = parse_body(req.body);
  }
  if (!old) throw not_found(t.type.group, t.type.resource, t.name);
  auto precondition_failed = [&](const std::string& what, const std::string& want, const std::string& have,
                                 const std::string& tail) {
    ApiError e;
    e.code = 409;
    e.reason = "Conflict";
    e.message = "Operation cannot be fulfilled on " + t.type.kind + " \"" + t.name + "\": the " + what +
                " in the precondition (" + want + ") does not match the " + what + " in record (" + have + "). " + tail;
    e.has_details = true;
    e.name = t.name;
    e.kind = t.type.kind;
    return e;
  };
  if (const json::Value* pre = options.find("preconditions"); pre && pre->is_object()) {
    std::string uid = pre->str("uid");
    if (!uid.empty() && uid != meta_str(*old, "uid"))
      throw precondition_failed("UID", uid, meta_str(*old, "uid"),
                                "The object might have been deleted and then recreated");
    std::string rv = pre->str("resourceVersion");
    if (!rv.empty() && rv != meta_str(*old, "resourceVersion"))
      throw precondition_failed("ResourceVersion", rv, meta_str(*old, "resourceVersion"),
                                "The object might have been modified");
  }
  return delete_object(t, old);
}

Response Api::delete_object(const Target& t, ObjectPtr old) {
  const std::string key = t.type.storage_key();
  std::string name = meta_str(*old, "name");
  std::string ns = meta_str(*old, "namespace");
  if (old->at_path("metadata.deletionTimestamp")) return json_response(200, format_object(t.type, *old, Framing::WithKind));
  if (dry_run_) {
    json::Value marked = *old;
    marked["metadata"]["deletionTimestamp"] = now();
    return json_response(200, format_object(t.type, marked, Framing::WithKind));
  }

  if (t.type.group.empty() && t.type.kind == "Namespace") {
    // The namespace controller's work, done at once: mark Terminating, delete the contents, then go.
    json::Value terminating = *old;
    terminating["metadata"]["deletionTimestamp"] = now();
    terminating["status"]["phase"] = "Terminating";
    ObjectPtr marked = store_.update(key, std::move(terminating));
    for (const auto& type : registry_.all()) {
      if (!type.namespaced) continue;
      auto page = store_.list(type.storage_key(), name, "", 0, [](const json::Value&) { return true; });
      for (const auto& o : page.items) store_.remove(type.storage_key(), name, meta_str(*o, "name"));
    }
    store_.remove(key, "", name);
    return json_response(200, format_object(t.type, *marked, Framing::WithKind));
  }
  if (t.type.kind == "CustomResourceDefinition" && t.type.group == "apiextensions.k8s.io")
    return mark_crd_deleted(t.type, *old);
  if (has_finalizers(*old)) {
    json::Value marked = *old;
    marked["metadata"]["deletionTimestamp"] = now();
    marked["metadata"]["deletionGracePeriodSeconds"] = 0;
    if (const json::Value* g = old->at_path("metadata.generation"); g && g->is_int())
      marked["metadata"]["generation"] = g->as_int() + 1;
    ObjectPtr stored = store_.update(key, std::move(marked));
    return json_response(200, format_object(t.type, *stored, Framing::WithKind));
  }
  ObjectPtr gone = store_.remove(key, ns, name);
  json::Value status = json::Value::object();
  status["kind"] = "Status";
  status["apiVersion"] = "v1";
  status["metadata"] = json::Value::object();
  status["status"] = "Success";
  json::Value details = json::Value::object();
  details["name"] = name;
  if (!t.type.group.empty()) details["group"] = t.type.group;
  details["kind"] = t.type.resource;
  details["uid"] = meta_str(*gone, "uid");
  status["details"] = std::move(details);
  return json_response(200, status);
}

Response Api::remove_collection(const Target& t, const Request& req) {
  std::string error;
  auto labels = LabelSelector::parse(req.param("labelSelector"), error);
  if (!labels) throw bad_request(error);
  auto fields = FieldSelector::parse(req.param("fieldSelector"), error);
  if (!fields) throw bad_request(error);
  auto page = store_.list(t.type.storage_key(), t.ns, "", 0,
                          [&](const json::Value& o) { return labels->matches(o) && fields->matches(o); });
  json::Value items = json::Value::array();
  for (const auto& o : page.items) {
    delete_object(t, o);
    items.as_array().push_back(format_object(t.type, *o, Framing::ListItem));
  }
  json::Value out = json::Value::object();
  out["kind"] = t.type.list_kind;
  out["apiVersion"] = t.type.api_version();
  out["metadata"]["resourceVersion"] = std::to_string(store_.current_rv());
  out["items"] = std::move(items);
  return json_response(200, out);
}

}  // namespace steward::testapi
