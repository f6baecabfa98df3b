#include "write_log.hpp"

namespace steward::testapi {

void WriteLog::record(const Request& req, int code) {
  if (req.method != "POST" && req.method != "PUT" && req.method != "PATCH" && req.method != "DELETE")
    return;
  if (req.path.rfind("/api/", 0) != 0 && req.path.rfind("/apis/", 0) != 0) return;
  const auto since = std::chrono::steady_clock::now() - started_;
  entries_.push_back({req.method, req.path, req.param("dryRun") == "All", code,
                      std::chrono::duration_cast<std::chrono::milliseconds>(since).count()});
  if (entries_.size() > kCap) {
    entries_.pop_front();
    ++dropped_;
  }
}

void WriteLog::record_version(const std::string& storage_key, const StoreEvent& event) {
  // storage_key is "group/resource" (ResourceType::storage_key).
  const auto slash = storage_key.find('/');
  const std::string group = storage_key.substr(0, slash);
  const std::string resource = storage_key.substr(slash + 1);
  const json::Value* metadata = event.object ? event.object->find("metadata") : nullptr;
  versions_.push_back({group.empty() ? resource : resource + "." + group,
                       metadata ? metadata->str("namespace") : std::string{},
                       metadata ? metadata->str("name") : std::string{}, event.rv, event.type});
  if (versions_.size() > kCap) {
    versions_.pop_front();
    ++versions_dropped_;
  }
}

json::Value WriteLog::describe() const {
  json::Value writes = json::Value::array();
  for (const Entry& e : entries_) {
    json::Value w = json::Value::object();
    w["method"] = e.method;
    w["path"] = e.path;
    w["dryRun"] = e.dry_run;
    w["code"] = e.code;
    w["atMs"] = e.at_ms;
    writes.as_array().push_back(std::move(w));
  }
  json::Value versions = json::Value::array();
  for (const Version& v : versions_) {
    json::Value w = json::Value::object();
    w["resource"] = v.resource;
    w["namespace"] = v.ns;
    w["name"] = v.name;
    w["resourceVersion"] = std::to_string(v.rv);
    w["type"] = v.type == EventType::Added      ? "ADDED"
                : v.type == EventType::Modified ? "MODIFIED"
                                                : "DELETED";
    versions.as_array().push_back(std::move(w));
  }
  json::Value out = json::Value::object();
  out["writes"] = std::move(writes);
  out["dropped"] = static_cast<std::int64_t>(dropped_);
  out["versions"] = std::move(versions);
  out["versionsDropped"] = static_cast<std::int64_t>(versions_dropped_);
  return out;
}

}  // namespace steward::testapi
