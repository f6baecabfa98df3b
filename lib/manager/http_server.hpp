#pragma once
// HttpServer: the daemon's small HTTP/1.1 server for Prometheus scrapes and kubelet probes.
//
//   /metrics   the registry in the Prometheus text format (0.0.4), when `registry` is set.
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
// Limits, so that a scraper or a stray client cannot hurt the daemon: a header size limit, a read
// deadline (an idle keep-alive connection is closed when it runs out), and a cap on open
// connections (beyond it new connections wait in the kernel's backlog until one closes).
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
  // /healthz and /readyz checks (see above).
  std::vector<HealthCheck> healthz;
  std::vector<HealthCheck> readyz;
  // A request's header must arrive within this long of the previous response (or of connecting):
  // idle keep-alive connections and slow clients are closed. The kubelet probes every 10 s by
  // default and Prometheus scrapes every 15-60 s, so a reused connection is usually given up and
  // reopened; that is cheap.
  std::chrono::milliseconds read_timeout{10'000};
  // Largest request header (request line and fields). Probes and scrapes send a few hundred bytes.
  std::size_t max_header_bytes = 8 * 1024;
  // Most connections served at once; a handful of scrapers and the kubelet need a few.
  std::size_t max_connections = 64;
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
