// WriteLog: every write request the API answered (POST, PUT, PATCH, DELETE), in the order the
// server handled them, for tests that must see from the server's side what a client wrote and
// when: the order of creates, the attempts on one object, "nothing but dry runs". Injected
// failures are listed too (they are attempts); the admin endpoints are not.
//   GET /_testapi/writes -> {"writes":[{"method":"PATCH","path":"/api/v1/namespaces/a/configmaps/b",
//                            "dryRun":false,"code":201,"atMs":1234}, ...],"dropped":0}
// `atMs` is the steady clock in milliseconds since the server started (so gaps between attempts
// can be measured); `dropped` counts the oldest entries let go beyond the cap.
// It also lists every resourceVersion the storage produced, one per event a watch could carry
// (a write that changed nothing produces none), in revision order, whoever wrote:
//   "versions":[{"resource":"configmaps","namespace":"a","name":"b","resourceVersion":"17",
//                "type":"MODIFIED"}, ...],"versionsDropped":0
// `resource` is the plural, with ".group" for a named group ("gadgets.example.com"), as steward's
// informers name theirs. Tests check against it that an informer heard of every version.
// Everything runs on the server's one io thread, so the order is the order of the writes.
#pragma once

#include "http_types.hpp"
#include "json.hpp"
#include "store.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

namespace steward::testapi {

class WriteLog {
 public:
  // Records `req` if it is a write to the API; `code` is the status it was answered with.
  void record(const Request& req, int code);
  // Records the version `event` produced in `storage_key` (Store::set_observer).
  void record_version(const std::string& storage_key, const StoreEvent& event);
  json::Value describe() const;

 private:
  struct Entry {
    std::string method;
    std::string path;
    bool dry_run = false;
    int code = 0;
    std::int64_t at_ms = 0;
  };
  struct Version {
    std::string resource;
    std::string ns;
    std::string name;
    std::uint64_t rv = 0;
    EventType type = EventType::Added;
  };
  // Enough for any scenario's checks; a long chaos run only loses its oldest entries.
  static constexpr std::size_t kCap = 100'000;

  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::deque<Entry> entries_;
  std::uint64_t dropped_ = 0;
  std::deque<Version> versions_;  // capped at kCap too
  std::uint64_t versions_dropped_ = 0;
};

}  // namespace steward::testapi
