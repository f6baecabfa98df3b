#include "discovery.hpp"

#include "json.hpp"

#include <algorithm>

namespace steward::testapi {

namespace {

Response json_response(const json::Value& v) {
  Response r;
  r.body = json::write(v);
  return r;
}

json::Value string_array(const std::vector<std::string>& items) {
  json::Value a = json::Value::array();
  for (const auto& s : items) a.as_array().push_back(s);
  return a;
}

json::Value resource_entry(const ResourceType& t) {
  json::Value e = json::Value::object();
  e["name"] = t.resource;
  e["singularName"] = t.singular;
  e["namespaced"] = t.namespaced;
  e["kind"] = t.kind;
  e["verbs"] = string_array(t.verbs);
  if (!t.short_names.empty()) e["shortNames"] = string_array(t.short_names);
  if (!t.categories.empty()) e["categories"] = string_array(t.categories);
  if (!t.storage_version_hash.empty()) e["storageVersionHash"] = t.storage_version_hash;
  return e;
}

json::Value status_entry(const ResourceType& t) {
  json::Value e = json::Value::object();
  e["name"] = t.resource + "/status";
  e["singularName"] = "";
  e["namespaced"] = t.namespaced;
  e["kind"] = t.kind;
  e["verbs"] = string_array({"get", "patch", "update"});
  return e;
}

// deployments/scale: the only entry of a group's list whose kind lives in another group (05).
json::Value scale_entry(const ResourceType& t) {
  json::Value e = json::Value::object();
  e["name"] = t.resource + "/scale";
  e["singularName"] = "";
  e["namespaced"] = t.namespaced;
  e["group"] = "autoscaling";
  e["version"] = "v1";
  e["kind"] = "Scale";
  e["verbs"] = string_array({"get", "patch", "update"});
  return e;
}

Response resource_list(const Registry& registry, const std::string& group, const std::string& version) {
  std::vector<json::Value> entries;
  for (const auto& t : registry.all()) {
    if (t.group != group || t.version != version) continue;
    entries.push_back(resource_entry(t));
    if (t.status_subresource) entries.push_back(status_entry(t));
    if (t.scale_subresource) entries.push_back(scale_entry(t));
  }
  std::sort(entries.begin(), entries.end(),
            [](const json::Value& a, const json::Value& b) { return a.str("name") < b.str("name"); });
  json::Value doc = json::Value::object();
  doc["kind"] = "APIResourceList";
  if (!group.empty()) doc["apiVersion"] = "v1";  // /api/v1 has none in the real answer (03), groups do (05)
  doc["groupVersion"] = group.empty() ? version : group + "/" + version;
  doc["resources"] = json::Value(json::Array(entries.begin(), entries.end()));
  return json_response(doc);
}

json::Value group_entry(const Registry& registry, const std::string& group) {
  json::Value g = json::Value::object();
  g["name"] = group;
  json::Value versions = json::Value::array();
  std::vector<std::string> seen;
  for (const auto& t : registry.all()) {
    if (t.group != group || std::find(seen.begin(), seen.end(), t.version) != seen.end()) continue;
    seen.push_back(t.version);
    json::Value v = json::Value::object();
    v["groupVersion"] = group + "/" + t.version;
    v["version"] = t.version;
    versions.as_array().push_back(std::move(v));
  }
  json::Value preferred = versions.as_array().front();
  g["versions"] = std::move(versions);
  g["preferredVersion"] = std::move(preferred);
  return g;
}

std::vector<std::string> groups(const Registry& registry) {
  std::vector<std::string> out;
  for (const auto& t : registry.all())
    if (!t.group.empty() && std::find(out.begin(), out.end(), t.group) == out.end()) out.push_back(t.group);
  return out;
}

}  // namespace

std::optional<Response> discovery(const Registry& registry, const std::string& path, const std::string& server_address) {
  if (path == "/version" || path == "/version/") {
    Response r;
    // Same identity as the reference server, so clients that check versions see 1.20.
    r.body =
        "{\n  \"major\": \"1\",\n  \"minor\": \"20\",\n  \"gitVersion\": \"v1.20.2\",\n"
        "  \"gitCommit\": \"faecb196815e248d3ecfb03c680a4507229c2a56\",\n  \"gitTreeState\": \"archive\",\n"
        "  \"buildDate\": \"2026-11-23T23:16:50Z\",\n  \"goVersion\": \"go1.19.8\",\n  \"compiler\": \"gc\",\n"
        "  \"platform\": \"linux/amd64\"\n}";
    return r;
  }
  if (path == "/api" || path == "/api/") {
    json::Value doc = json::Value::object();
    doc["kind"] = "APIVersions";
    doc["versions"] = string_array({"v1"});
    json::Value cidr = json::Value::object();
    cidr["clientCIDR"] = "0.0.0.0/0";
    cidr["serverAddress"] = server_address;
    json::Value cidrs = json::Value::array();
    cidrs.as_array().push_back(std::move(cidr));
    doc["serverAddressByClientCIDRs"] = std::move(cidrs);
    return json_response(doc);
  }
  if (path == "/api/v1" || path == "/api/v1/") return resource_list(registry, "", "v1");
  if (path == "/apis" || path == "/apis/") {
    json::Value doc = json::Value::object();
    doc["kind"] = "APIGroupList";
    doc["apiVersion"] = "v1";
    json::Value list = json::Value::array();
    for (const auto& g : groups(registry)) list.as_array().push_back(group_entry(registry, g));
    doc["groups"] = std::move(list);
    return json_response(doc);
  }
  if (path.rfind("/apis/", 0) == 0) {
    std::string rest = path.substr(6);
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    auto slash = rest.find('/');
    if (slash == std::string::npos) {
      auto gs = groups(registry);
      if (std::find(gs.begin(), gs.end(), rest) == gs.end()) return page_not_found();
      json::Value doc = group_entry(registry, rest);
      json::Value out = json::Value::object();
      out["kind"] = "APIGroup";
      out["apiVersion"] = "v1";
      for (auto& m : doc.as_object()) out[m.key] = m.value;
      return json_response(out);
    }
    std::string group = rest.substr(0, slash);
    std::string version = rest.substr(slash + 1);
    if (version.find('/') != std::string::npos) return std::nullopt;
    if (!registry.serves_group_version(group, version)) return page_not_found();
    return resource_list(registry, group, version);
  }
  return std::nullopt;
}

}  // namespace steward::testapi
