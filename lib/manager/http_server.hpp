#pragma once
// HttpServer: the daemon's small HTTP/1.1 server for Prometheus scrapes and kubelet probes.
//
//   /metrics   the registry in the Prometheus text format (0.0.4), when `registry` is set.
//   /status    JSON from `status`, when set (the daemon's: docs/operations.md, "Status").
//   /healthz   liveness: 200 "ok" when every check passes, else 503 and a line per failing check
//   /readyz    readiness, the same over `readyz` plus a built-in "shutdown" check that fails once
//              set_shutting_down() was called (as kube-apiserver's readyz does while it drains).
//              Both answer JSON with `?verbose`:
//                {"status":"ok"|"failed","checks":[{"name":"informers","ok":false,"reason":"..."}]}
//              where a passing check may carry a "detail": something worth knowing that does not
//              make the probe fail (a source whose reload failed while its last good state holds).
//              The probe paths are served together, when either list has a check; the daemon runs
//              one server with only a registry (:8080) and one with only checks (:8081).
// Anything else answers 404; methods other than GET and HEAD 405; a request with a body 413.
//
// Security, for the metrics server with --metrics-secure: with `tls` it speaks HTTPS only (the
// handshake bounded by the read deadline), and with `authorizer` every request is first put to it
// (any path, any method) and answered with its refusal (401, 403, 503) when it does not allow it
// (manager/metrics_auth.hpp). The probe server stays plain HTTP: the kubelet probes it so.
//
// Limits, so that a scraper or a stray client cannot hurt the daemon: a header size limit, a
// header deadline (read_timeout: a slow or idle connection is closed when it runs out), and a cap
// on open connections. At the cap a new connection takes the slot of the one that has waited
// longest for a request header (ConnectionSlots), so clients that connect and dribble their
// header, or send nothing, cannot keep the kubelet's probe out (issue #22); only when every
// connection is busy answering does a new one wait, in the kernel's backlog, for a slot.
//
// Threads: everything runs as coroutines on the io_context given to the constructor (on a strand of
// it, so any number of threads may run it); the server has no thread of its own. Checks and
// `before_scrape` are called on that io thread, one at a time per server: they must be quick and
// must not block (read a flag or a timestamp another part maintains; never call the API server
// from one). A check that throws counts as failing with the exception's message.
// set_shutting_down() and stop() may be called from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio
namespace prometheus {
class Registry;
}

namespace steward::manager {

class RequestAuthorizer;

// A named health condition. `check` answers nullopt when healthy, else why not (one line).
// `detail` (optional) is asked only when the check passed, for ?verbose: nullopt for nothing to say.
struct HealthCheck {
  std::string name;
  std::function<std::optional<std::string>()> check;
  std::function<std::optional<std::string>()> detail;
};

struct HttpServerOptions {
  // "host:port": ":8080" listens on all interfaces (IPv6 and IPv4 where the host has IPv6, else
  // IPv4), "127.0.0.1:0" on a free port (see port()), "[::1]:8080" for an IPv6 host. "0" disables
  // the server: start() then does nothing.
  std::string bind_address;
  // Serves /metrics when set; borrowed, must outlive the server.
  prometheus::Registry* registry = nullptr;
  // Called before each scrape, to refresh gauges that are computed rather than kept up to date
  // (the work queues' unfinished-work gauges). Optional.
  std::function<void()> before_scrape;
  // The body of GET /status (JSON), computed per request on the server's thread: quick, no API
  // calls. Optional.
  std::function<std::string()> status;
  // /healthz and /readyz checks (see above).
  std::vector<HealthCheck> healthz;
  std::vector<HealthCheck> readyz;
  // The header deadline: a request's whole header must arrive within this long of the previous
  // response (or of connecting), however it trickles in; idle keep-alive connections and slow
  // clients are closed. The kubelet probes every 10 s by default and Prometheus scrapes every
  // 15-60 s, so a reused connection is usually given up and reopened; that is cheap. The daemon's
  // probe server uses 1 s (manager.cpp): the kubelet writes its request at once and gives up
  // after its own timeout (1 s by default).
  std::chrono::milliseconds read_timeout{10'000};
  // Largest request header (request line and fields). Probes and scrapes send a few hundred bytes.
  std::size_t max_header_bytes = 8 * 1024;
  // Most connections open at once; a handful of scrapers and the kubelet need a few. At the cap a
  // newcomer evicts the connection waiting longest for a header (see above), so the cap bounds
  // memory and file descriptors without letting slow clients lock others out. Each server has
  // its own cap: a flood of the metrics port does not touch the probe port's.
  std::size_t max_connections = 64;
  // Why a connection was closed for being slow, for on_slow_close.
  enum class SlowClose {
    kEvicted,        // at the cap, waiting for a header the longest, so a new connection got its slot
    kHeaderTimeout,  // read_timeout passed with part of a header in (an idle connection that sent
                     // nothing is not counted: closing one is routine)
  };
  // Called, on the server's strand, for each connection closed for being slow; the daemon counts
  // them (steward_http_slow_connections_closed_total). Optional; must be quick.
  std::function<void(SlowClose)> on_slow_close;
  // HTTPS with this identity (manager/serving_tls.hpp); plain HTTP when null.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Asked before any request is answered (manager/request_authorizer.hpp); nobody when null.
  std::shared_ptr<RequestAuthorizer> authorizer;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerOptions options);
  // Stops the server (see stop()). Destroy it before the io_context.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. Throws std::system_error naming the address when it cannot listen
  // there (port in use, address not on this host), std::invalid_argument for a malformed address.
  // Call once, before stop().
  void start();
  // The port listened on, after start(); 0 when disabled.
  std::uint16_t port() const;
  // From now on /readyz fails its "shutdown" check (503); /healthz is unchanged. Irreversible.
  void set_shutting_down();
  // Closes the listener and every open connection. Returns at once; the server's coroutines end
  // soon after on the io thread, so an io_context with no other work then runs out. Idempotent.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with the coroutines, which may outlive this object
  std::uint16_t port_ = 0;
};

}  // namespace steward::manager
