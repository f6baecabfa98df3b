// Counters a test reads back through GET /_testapi/stats, to see from the server's side what a
// client did: how many connections it opened (is keep-alive reused? is the pool bounded?) and how
// often it read each discovery document (is a refresh rate-limited?). Everything runs on the
// server's one io_context thread: no locking.
#pragma once

#include "json.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace steward::testapi {

struct Stats {
  std::int64_t connections_accepted = 0;  // since start
  std::int64_t connections_open = 0;      // now, watch streams included
  // Answers of the discovery endpoints, by path ("/api", "/apis", "/apis/apps/v1").
  std::map<std::string, std::int64_t> discovery_requests;

  json::Value describe() const {
    json::Value d = json::Value::object();
    d["connectionsAccepted"] = connections_accepted;
    d["connectionsOpen"] = connections_open;
    json::Value by_path = json::Value::object();
    for (const auto& [path, count] : discovery_requests) by_path[path] = count;
    d["discoveryRequests"] = std::move(by_path);
    return d;
  }
};

}  // namespace steward::testapi
