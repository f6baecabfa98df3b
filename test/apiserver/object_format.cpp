#include "object_format.hpp"

#include <algorithm>

namespace steward::testapi {

namespace {

const char* const kMetaOrder[] = {"name", "generateName", "namespace", "selfLink", "uid", "resourceVersion",
                                  "generation", "creationTimestamp", "deletionTimestamp",
                                  "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences",
                                  "finalizers", "clusterName", "managedFields"};

json::Value ordered_metadata(const json::Value& meta) {
  json::Value out = json::Value::object();
  for (const char* k : kMetaOrder)
    if (const json::Value* v = meta.find(k)) out[k] = *v;
  for (const auto& m : meta.as_object())
    if (!out.find(m.key)) out[m.key] = m.value;
  return out;
}

// Go struct field order of the built-in types whose defaults we fill, so a defaulted object reads
// like the real server's (13): members not listed keep their order after the listed ones.
const std::vector<std::string> kDeploymentSpec = {"replicas", "selector", "template", "strategy", "minReadySeconds",
                                                  "revisionHistoryLimit", "paused", "progressDeadlineSeconds"};
const std::vector<std::string> kTemplateMeta = {"name", "generateName", "namespace", "creationTimestamp", "labels",
                                                "annotations"};
const std::vector<std::string> kPodSpec = {
    "volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy", "terminationGracePeriodSeconds",
    "activeDeadlineSeconds", "dnsPolicy", "nodeSelector", "serviceAccountName", "serviceAccount",
    "automountServiceAccountToken", "nodeName", "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace",
    "securityContext", "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "tolerations",
    "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates", "runtimeClassName",
    "enableServiceLinks", "preemptionPolicy", "overhead", "topologySpreadConstraints", "setHostnameAsFQDN"};
const std::vector<std::string> kContainer = {
    "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources", "volumeMounts",
    "volumeDevices", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath",
    "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty"};
const std::vector<std::string> kContainerPort = {"name", "hostPort", "containerPort", "protocol", "hostIP"};
const std::vector<std::string> kResources = {"limits", "requests"};
const std::vector<std::string> kStrategy = {"type", "rollingUpdate"};
const std::vector<std::string> kRollingUpdate = {"maxUnavailable", "maxSurge"};
const std::vector<std::string> kServiceSpec = {
    "ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity", "loadBalancerIP",
    "loadBalancerSourceRanges", "externalName", "externalTrafficPolicy", "healthCheckNodePort",
    "publishNotReadyAddresses", "sessionAffinityConfig", "topologyKeys", "ipFamilies", "ipFamilyPolicy",
    "allocateLoadBalancerNodePorts"};
const std::vector<std::string> kServicePort = {"name", "protocol", "appProtocol", "port", "targetPort", "nodePort"};

void reorder(json::Value* v, const std::vector<std::string>& order) {
  if (!v || !v->is_object()) return;
  json::Object out;
  auto& members = v->as_object();
  std::vector<bool> taken(members.size(), false);
  for (const auto& key : order) {
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (!taken[i] && members[i].key == key) {
        out.push_back(std::move(members[i]));
        taken[i] = true;
        break;
      }
    }
  }
  for (std::size_t i = 0; i < members.size(); ++i)
    if (!taken[i]) out.push_back(std::move(members[i]));
  *v = json::Value(std::move(out));
}

void reorder_items(json::Value* list, const std::vector<std::string>& order) {
  if (!list || !list->is_array()) return;
  for (auto& item : list->as_array()) reorder(&item, order);
}

void reorder_pod_template(json::Value* tmpl) {
  if (!tmpl || !tmpl->is_object()) return;
  reorder(tmpl->find("metadata"), kTemplateMeta);
  json::Value* spec = tmpl->find("spec");
  reorder(spec, kPodSpec);
  if (!spec) return;
  for (const char* list : {"initContainers", "containers"}) {
    json::Value* cs = spec->find(list);
    reorder_items(cs, kContainer);
    if (!cs || !cs->is_array()) continue;
    for (auto& c : cs->as_array()) {
      reorder_items(c.find("ports"), kContainerPort);
      reorder(c.find("resources"), kResources);
    }
  }
}

void reorder_builtin(const ResourceType& type, json::Value& obj) {
  if (type.group == "apps" && type.kind == "Deployment") {
    json::Value* spec = obj.find("spec");
    reorder(spec, kDeploymentSpec);
    if (!spec) return;
    reorder_pod_template(spec->find("template"));
    json::Value* strategy = spec->find("strategy");
    reorder(strategy, kStrategy);
    if (strategy) reorder(strategy->find("rollingUpdate"), kRollingUpdate);
  } else if (type.group.empty() && type.kind == "Service") {
    json::Value* spec = obj.find("spec");
    reorder(spec, kServiceSpec);
    if (spec) reorder_items(spec->find("ports"), kServicePort);
  }
}

json::Value sorted(const json::Value& v) {
  if (v.is_array()) {
    json::Value out = json::Value::array();
    for (const auto& e : v.as_array()) out.as_array().push_back(sorted(e));
    return out;
  }
  if (!v.is_object()) return v;
  json::Object members;
  for (const auto& m : v.as_object()) members.push_back(json::Member{m.key, sorted(m.value)});
  std::sort(members.begin(), members.end(), [](const json::Member& a, const json::Member& b) { return a.key < b.key; });
  return json::Value(std::move(members));
}

}  // namespace

json::Value format_object(const ResourceType& type, const json::Value& stored, Framing framing) {
  json::Value out = json::Value::object();
  bool with_kind = framing == Framing::WithKind || !type.builtin;
  if (with_kind) {
    out["kind"] = type.kind;
    out["apiVersion"] = type.api_version();
  }
  const json::Value* meta = stored.find("metadata");
  out["metadata"] = meta && meta->is_object() ? ordered_metadata(*meta) : json::Value::object();
  for (const auto& m : stored.as_object()) {
    if (m.key == "kind" || m.key == "apiVersion" || m.key == "metadata") continue;
    out[m.key] = m.value;
  }
  if (!type.builtin) return sorted(out);
  reorder_builtin(type, out);
  return out;
}

}  // namespace steward::testapi
