#include "defaulting.hpp"

#include "quantity.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace steward::testapi {

namespace {

void set_default(json::Value& obj, const char* key, json::Value v) {
  if (!obj.find(key)) obj[key] = std::move(v);
}

std::optional<std::string> canonical_resources(json::Value& container, const std::string& where) {
  json::Value* res = container.find("resources");
  if (!res || !res->is_object()) return std::nullopt;
  for (const char* part : {"limits", "requests"}) {
    json::Value* list = res->find(part);
    if (!list || !list->is_object()) continue;
    for (auto& m : list->as_object()) {
      std::string text;
      if (m.value.is_string()) {
        text = m.value.as_string();
      } else if (m.value.is_int()) {
        text = std::to_string(m.value.as_int());
      } else if (m.value.is_double()) {
        text = json::write(m.value);
      }
      auto canon = canonical_quantity(text);
      if (!canon) {
        return where + ".resources." + part + "." + m.key + ": Invalid value: \"" + text +
               "\": quantities must match the regular expression "
               "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
      }
      m.value = *canon;
    }
  }
  return std::nullopt;
}

std::optional<std::string> default_container(json::Value& c, const std::string& where) {
  if (json::Value* ports = c.find("ports"); ports && ports->is_array())
    for (auto& p : ports->as_array())
      if (p.is_object()) set_default(p, "protocol", "TCP");
  if (auto err = canonical_resources(c, where)) return err;
  set_default(c, "resources", json::Value::object());  // a struct, printed even when empty
  set_default(c, "terminationMessagePath", "/dev/termination-log");
  set_default(c, "terminationMessagePolicy", "File");
  if (!c.find("imagePullPolicy")) {
    // Always for :latest or no tag, else IfNotPresent (core/v1 defaults).
    std::string image = c.str("image");
    auto slash = image.rfind('/');
    std::string last = slash == std::string::npos ? image : image.substr(slash + 1);
    auto colon = last.find(':');
    bool latest = image.find('@') == std::string::npos &&
                  (colon == std::string::npos || last.substr(colon + 1) == "latest");
    c["imagePullPolicy"] = latest ? "Always" : "IfNotPresent";
  }
  return std::nullopt;
}

std::optional<std::string> default_pod_template(json::Value& tmpl, const std::string& where) {
  if (!tmpl.is_object()) return std::nullopt;
  json::Value& meta = tmpl["metadata"];
  if (!meta.find("creationTimestamp")) meta["creationTimestamp"] = nullptr;
  json::Value& spec = tmpl["spec"];
  for (const char* list : {"initContainers", "containers"}) {
    json::Value* cs = spec.find(list);
    if (!cs || !cs->is_array()) continue;
    std::size_t i = 0;
    for (auto& c : cs->as_array()) {
      if (!c.is_object()) continue;
      if (auto err = default_container(c, where + ".spec." + list + "[" + std::to_string(i++) + "]")) return err;
    }
  }
  set_default(spec, "restartPolicy", "Always");
  set_default(spec, "terminationGracePeriodSeconds", 30);
  set_default(spec, "dnsPolicy", "ClusterFirst");
  set_default(spec, "securityContext", json::Value::object());
  set_default(spec, "schedulerName", "default-scheduler");
  return std::nullopt;
}

std::optional<std::string> default_deployment(json::Value& d) {
  json::Value& spec = d["spec"];
  set_default(spec, "replicas", 1);
  if (auto err = default_pod_template(spec["template"], "spec.template")) return err;
  json::Value& strategy = spec["strategy"];
  set_default(strategy, "type", "RollingUpdate");
  if (strategy.str("type") == "RollingUpdate") {
    json::Value& ru = strategy["rollingUpdate"];
    set_default(ru, "maxUnavailable", "25%");
    set_default(ru, "maxSurge", "25%");
  }
  set_default(spec, "revisionHistoryLimit", 10);
  set_default(spec, "progressDeadlineSeconds", 600);
  set_default(d, "status", json::Value::object());
  return std::nullopt;
}

void default_crd(json::Value& crd) {
  json::Value& spec = crd["spec"];
  json::Value& names = spec["names"];
  std::string kind = names.str("kind");
  if (!names.find("singular")) {
    std::string lower;
    for (char c : kind) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    names["singular"] = lower;
  }
  set_default(names, "listKind", kind + "List");
  json::Value& conversion = spec["conversion"];
  set_default(conversion, "strategy", "None");
  // Copy what status needs first: adding "status" may move crd's members (and `spec` with them).
  const json::Value versions_copy = spec.find("versions") ? *spec.find("versions") : json::Value::array();
  json::Value& status = crd["status"];
  set_default(status, "conditions", nullptr);
  if (!status.find("acceptedNames")) {
    json::Value an = json::Value::object();
    an["plural"] = "";
    an["kind"] = "";
    status["acceptedNames"] = std::move(an);
  }
  if (!status.find("storedVersions")) {
    json::Value stored = json::Value::array();
    if (versions_copy.is_array())
      for (const auto& v : versions_copy.as_array())
        if (const json::Value* s = v.find("storage"); s && s->is_bool() && s->as_bool())
          stored.as_array().push_back(v.str("name"));
    status["storedVersions"] = std::move(stored);
  }
}

// Go map fields marked omitempty: a typed object prints none when empty (an apply that drops the
// last limit leaves no `limits: {}`, a patch that removes the last label no `labels: {}`).
void prune_empty_maps(json::Value& v) {
  if (v.is_array()) {
    for (auto& e : v.as_array()) prune_empty_maps(e);
    return;
  }
  if (!v.is_object()) return;
  static const char* const maps[] = {"labels", "annotations", "data", "binaryData", "stringData", "limits",
                                     "requests", "nodeSelector", "matchLabels"};
  std::vector<std::string> empty;
  for (auto& m : v.as_object()) {
    prune_empty_maps(m.value);
    bool is_map = std::any_of(std::begin(maps), std::end(maps), [&](const char* k) { return m.key == k; });
    if (is_map && m.value.is_object() && m.value.as_object().empty()) empty.push_back(m.key);
  }
  for (const auto& k : empty) v.erase(k);
}

// A Service's selector is a map too (a Deployment's is a LabelSelector struct, printed when empty).
void prune_service_selector(const ResourceType& type, json::Value& obj) {
  if (!type.group.empty() || type.kind != "Service") return;
  if (json::Value* spec = obj.find("spec"); spec && spec->is_object()) {
    const json::Value* sel = spec->find("selector");
    if (sel && sel->is_object() && sel->as_object().empty()) spec->erase("selector");
  }
}

std::optional<std::string> apply_defaults(const ResourceType& type, json::Value& obj, Defaulter& d);

}  // namespace

json::Value zero_object(const ResourceType& type) {
  // What encoding/json prints for the kind's Go zero value (fields without omitempty, and structs),
  // below metadata. kube-apiserver's field manager diffs a create against it: a field left at its
  // zero value is owned by nobody (a core Event's `reportingComponent: ""`, a Deployment's `status: {}`).
  auto parse = [](const char* text) { return json::parse(text); };
  if (!type.builtin) return json::Value::object();
  const std::string& k = type.kind;
  if (type.group == "apps" && k == "Deployment")
    return parse(R"({"spec":{"selector":null,"template":{"metadata":{"creationTimestamp":null},)"
                 R"("spec":{"containers":null}},"strategy":{}},"status":{}})");
  if (type.group == "apiextensions.k8s.io" && k == "CustomResourceDefinition")
    return parse(R"({"spec":{"group":"","names":{"plural":"","kind":""},"scope":"","versions":null},)"
                 R"("status":{"conditions":null,"acceptedNames":{"plural":"","kind":""},"storedVersions":null}})");
  if (type.group.empty() && (k == "Namespace")) return parse(R"({"spec":{},"status":{}})");
  if (type.group.empty() && k == "Service") return parse(R"({"spec":{},"status":{"loadBalancer":{}}})");
  if (type.group == "coordination.k8s.io" && k == "Lease") return parse(R"({"spec":{}})");
  if (type.group == "rbac.authorization.k8s.io" && (k == "RoleBinding" || k == "ClusterRoleBinding"))
    return parse(R"({"roleRef":{"apiGroup":"","kind":"","name":""}})");
  if (type.group == "rbac.authorization.k8s.io" && (k == "Role" || k == "ClusterRole"))
    return parse(R"({"rules":null})");
  if (type.group.empty() && k == "Event")
    return parse(R"({"involvedObject":{},"source":{},"firstTimestamp":null,"lastTimestamp":null,)"
                 R"("eventTime":null,"reportingComponent":"","reportingInstance":""})");
  if (type.group == "events.k8s.io" && k == "Event")
    return parse(R"({"eventTime":null,"regarding":{},"deprecatedSource":{},"deprecatedFirstTimestamp":null,)"
                 R"("deprecatedLastTimestamp":null})");
  return json::Value::object();
}

std::vector<FieldPath> strategy_set_fields(const ResourceType& type) {
  // Filled by the registry after the field manager has run, so a create does not own them.
  if (!type.builtin || !type.group.empty()) return {};
  if (type.kind == "Namespace") return {{"f:spec", "f:finalizers"}};
  if (type.kind == "Service") return {{"f:spec", "f:clusterIP"}, {"f:spec", "f:clusterIPs"}};
  return {};
}

std::string Defaulter::allocate_cluster_ip() {
  int n = next_ip_++;
  return "10.0." + std::to_string((n / 254) % 256) + "." + std::to_string(n % 254 + 1);
}

std::optional<std::string> Defaulter::apply(const ResourceType& type, json::Value& obj) {
  auto err = apply_defaults(type, obj, *this);
  if (!err && type.builtin) {
    prune_empty_maps(obj);
    prune_service_selector(type, obj);
  }
  return err;
}

namespace {
std::optional<std::string> apply_defaults(const ResourceType& type, json::Value& obj, Defaulter& d) {
  const std::string& k = type.kind;
  if (type.group == "apps" && k == "Deployment") return default_deployment(obj);
  if (type.group == "apiextensions.k8s.io" && k == "CustomResourceDefinition") {
    default_crd(obj);
    return std::nullopt;
  }
  if (!type.builtin) return std::nullopt;
  if (k == "Namespace") {
    json::Value& spec = obj["spec"];
    if (!spec.find("finalizers")) {
      json::Value f = json::Value::array();
      f.as_array().push_back("kubernetes");
      spec["finalizers"] = std::move(f);
    }
    set_default(obj["status"], "phase", "Active");
  } else if (k == "Secret") {
    // stringData is write-only: merged into data (base64) as the real server does.
    if (json::Value* sd = obj.find("stringData"); sd && sd->is_object()) {
      static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      for (const auto& m : sd->as_object()) {
        std::string in = m.value.is_string() ? m.value.as_string() : std::string{};
        std::string out;
        for (std::size_t i = 0; i < in.size(); i += 3) {
          unsigned v = static_cast<unsigned char>(in[i]) << 16;
          if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
          if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
          out += b64[(v >> 18) & 63];
          out += b64[(v >> 12) & 63];
          out += i + 1 < in.size() ? b64[(v >> 6) & 63] : '=';
          out += i + 2 < in.size() ? b64[v & 63] : '=';
        }
        obj["data"][m.key] = out;
      }
      obj.erase("stringData");
    }
    set_default(obj, "type", "Opaque");
  } else if (k == "Service") {
    json::Value& spec = obj["spec"];
    set_default(spec, "type", "ClusterIP");
    if (json::Value* ports = spec.find("ports"); ports && ports->is_array()) {
      for (auto& p : ports->as_array()) {
        if (!p.is_object()) continue;
        set_default(p, "protocol", "TCP");
        if (!p.find("targetPort") && p.find("port")) {
          json::Value port = *p.find("port");  // copy: inserting may move p's members
          p["targetPort"] = std::move(port);
        }
      }
    }
    if (spec.str("type") != "ExternalName") {
      if (!spec.find("clusterIP")) spec["clusterIP"] = d.allocate_cluster_ip();
      if (!spec.find("clusterIPs")) {
        json::Value ips = json::Value::array();
        ips.as_array().push_back(spec.str("clusterIP"));
        spec["clusterIPs"] = std::move(ips);
      }
    }
    set_default(spec, "sessionAffinity", "None");
    if (!obj.find("status")) obj["status"]["loadBalancer"] = json::Value::object();
  } else if (type.group == "rbac.authorization.k8s.io" &&
             (k == "RoleBinding" || k == "ClusterRoleBinding")) {
    // rbac/v1 defaults: roleRef.apiGroup, and each subject's apiGroup by its kind ("" for a
    // ServiceAccount, omitted as empty, the RBAC group for User and Group).
    if (json::Value* ref = obj.find("roleRef"); ref && ref->is_object() && ref->str("apiGroup").empty())
      (*ref)["apiGroup"] = "rbac.authorization.k8s.io";
    if (json::Value* subjects = obj.find("subjects"); subjects && subjects->is_array()) {
      for (auto& s : subjects->as_array()) {
        if (!s.is_object() || !s.str("apiGroup").empty()) continue;
        if (s.str("kind") == "User" || s.str("kind") == "Group") s["apiGroup"] = "rbac.authorization.k8s.io";
      }
    }
  } else if (k == "Event" && type.group == "events.k8s.io") {
    set_default(obj, "eventTime", nullptr);
    set_default(obj, "deprecatedSource", json::Value::object());
    set_default(obj, "deprecatedFirstTimestamp", nullptr);
    set_default(obj, "deprecatedLastTimestamp", nullptr);
  } else if (k == "Event") {
    set_default(obj, "involvedObject", json::Value::object());
    set_default(obj, "source", json::Value::object());
    set_default(obj, "firstTimestamp", nullptr);
    set_default(obj, "lastTimestamp", nullptr);
    set_default(obj, "eventTime", nullptr);
    set_default(obj, "reportingComponent", "");
    set_default(obj, "reportingInstance", "");
  }
  return std::nullopt;
}
}  // namespace

}  // namespace steward::testapi
