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
  json::Value out = json::Value::object();
  out["writes"] = std::move(writes);
  out["dropped"] = static_cast<std::int64_t>(dropped_);
  return out;
}

}  // namespace steward::testapi
