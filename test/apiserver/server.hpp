// The test API server: listener, sessions and watch streams on one io_context thread, around the
// transport-free router/api/store. No Asio or Beast in this header (pimpl).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "reviews.hpp"

namespace steward::testapi {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;  // 0: the kernel picks a free port
  bool tls = true;          // false: plain HTTP (--plain)
  std::string token = "steward-testapi-token";
  // Static users besides the admin (--user TOKEN,NAME,UID[,GROUP...]): TokenReview knows them.
  std::vector<StaticUser> users;
  // How often a watch that allows bookmarks gets one (the real server: about once a minute).
  std::chrono::milliseconds bookmark_interval{60000};
  // Events kept per resource for watches to resume from; older resourceVersions answer 410.
  std::size_t watch_history = 1000;
  // kube-apiserver's --etcd-compaction-interval: every tick compacts etcd at the revision of the
  // tick before (compactor.hpp). 0: never.
  std::chrono::seconds compaction_interval{300};
  // Seeds uids, generated names and fault draws, so runs repeat.
  std::uint64_t seed = 1;
  // A watch without timeoutSeconds ends after this long (the real server: 30-60 minutes).
  int default_watch_timeout_seconds = 1800;
  // Bulk data at start: N ConfigMaps in namespace "bench", each with B bytes of data.
  std::size_t seed_configmaps = 0;
  std::size_t seed_bytes = 0;
  // Stop cleanly on SIGINT/SIGTERM (the binary); off for servers embedded in tests.
  bool handle_signals = false;
  // The built-in part of /openapi/v2 (openapi.hpp); "": test/apiserver/openapi/builtin-v2.json in
  // the source tree this server was built from.
  std::string openapi_v2_file;
  // One line on stdout per write request (--log-writes): "write METHOD STATUS TARGET USER-AGENT".
  bool log_writes = false;
  // Answer as a server with API Priority and Fairness on (v1.20's default) does: every answer past
  // authentication carries X-Kubernetes-PF-FlowSchema-UID and X-Kubernetes-PF-PriorityLevel-UID;
  // watches, which v1.20's APF filter lets through untouched as long-running, do not. Off with
  // --no-priority-and-fairness (a server started with --enable-priority-and-fairness=false).
  bool priority_and_fairness = true;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listener; returns the bound port. Throws std::runtime_error on failure.
  unsigned short start();
  // Serves until stop() (or a signal, with handle_signals). Call from one thread.
  void run();
  // Thread-safe: ends run() soon after, closing every connection.
  void stop();

  // "https://127.0.0.1:PORT" or "http://...".
  std::string url() const;
  // The CA certificate that signed the serving certificate ("" for plain HTTP).
  const std::string& ca_pem() const;
  const std::string& token() const;

  // Opaque; public only so the sessions in server.cpp can name it.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace steward::testapi
