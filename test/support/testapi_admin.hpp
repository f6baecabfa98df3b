#pragma once
// steward-testapi's admin endpoints from an integration test (test/apiserver/README.md): standing
// faults (/_testapi/faults) and the write log (/_testapi/writes), over steward's own client.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "kube/client.hpp"

namespace steward::test {

// POSTs `body` (JSON) to /_testapi/faults.
boost::asio::awaitable<kube::Reply> post_faults(kube::Client& client, std::string body);

// One entry of the write log: a write request, in the order the server handled it.
struct TestApiWrite {
  std::string method;
  std::string path;
  bool dry_run = false;
  int code = 0;          // the status it was answered with
  std::int64_t at_ms = 0;  // the server's monotonic clock
  bool ok() const { return code >= 200 && code < 300; }
};

// The write log, oldest first. Throws std::runtime_error when it cannot be read.
boost::asio::awaitable<std::vector<TestApiWrite>> testapi_writes(kube::Client& client);

// One resourceVersion the server produced (the write log's "versions"), whoever wrote.
struct TestApiVersion {
  std::string resource;  // "configmaps", "gadgets.example.com": an informer's resource label
  std::string key;       // "namespace/name", or "name" when cluster-scoped
  std::uint64_t rv = 0;
  bool deleted = false;  // the version is the object's deletion
};

// Every version the server produced, oldest first. Throws std::runtime_error when they cannot be
// read, or when some were let go beyond the log's cap (a check on them would be incomplete).
boost::asio::awaitable<std::vector<TestApiVersion>> testapi_versions(kube::Client& client);

}  // namespace steward::test
