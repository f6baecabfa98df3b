#pragma once
// Manager: runs the daemon's parts in a declared order and ends them in the reverse one
// (controller-runtime's pkg/manager). It owns what every part shares and none should own:
//
//   * the io_context and its I/O threads (IoThreads), stopped last, after every part;
//   * the metrics server (/metrics; HTTPS behind the API server's authentication and authorization
//     with secure_metrics()) and the probe server (/healthz, /readyz), with the health and
//     readiness checks the parts register (add_healthz_check, add_readyz_check) and a heartbeat
//     check of its own ("event-loop");
//   * the signals: SIGTERM or SIGINT asks for the end (run() returns `signal_exit_code`), a second
//     one ends the process at once with 1; SIGHUP calls `on_hangup` (not once the end began);
//   * the shutdown: /readyz fails at once ("shutdown"), then the parts stop in reverse, bounded by
//     `graceful_shutdown_timeout` (passing it ends the process with 1 at once).
//
// run():  servers ("serving" log line) -> heartbeat -> parts in the order added -> wait for a stop
//         request (signal, request_stop) -> set_shutting_down -> parts in reverse -> servers ->
//         "stopped" log line -> the I/O threads stop and the handlers left pending are destroyed,
//         while the objects they point into still exist (IoThreads).
// A part that throws from start(): "fatal" is logged, the parts started before it stop in
// reverse, and run() returns 1. Log lines use the "main" logger.
//
// Not copyable. add_*() before run(); request_stop() from any thread, any time.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "manager/runnable.hpp"
#include "manager/http_server.hpp"

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

struct ManagerOptions {
  // Threads running the io_context: every API call, watch, timer, probe and signal.
  int io_threads = 2;
  // Serve /metrics and the probes (false for a run that ends by itself: `steward run --once`).
  bool serve = true;
  // "host:port" of the metrics and the probe server; "0" disables one (manager::HttpServer).
  std::string metrics_bind_address = ":8080";
  std::string health_bind_address = ":8081";
  // Served on /metrics; borrowed.
  prometheus::Registry* registry = nullptr;
  // What run() returns after the first SIGTERM or SIGINT (`--once`: 1, it did not finish).
  int signal_exit_code = 0;
  // SIGHUP: from a signal handler on an I/O thread; must be quick (post the work elsewhere).
  std::function<void()> on_hangup;
  // The graceful part of a shutdown (parts and servers stopping) may take this long.
  std::chrono::milliseconds graceful_shutdown_timeout{std::chrono::seconds(30)};
  // Ends the process at once with `code`: after the deadline, on a second signal. Tests replace
  // it (the default flushes stdout and calls std::_Exit).
  std::function<void(int code)> exit_now;
};

class Manager {
 public:
  explicit Manager(ManagerOptions options);
  // Stops the I/O threads if run() did not (see IoThreads::stop()).
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  boost::asio::io_context& io();

  // A part, started after the ones added before it and stopped before them. `name` is for logs.
  void add(std::string name, std::unique_ptr<Runnable> part);
  void add_healthz_check(manager::HealthCheck check);
  void add_readyz_check(manager::HealthCheck check);
  // Called before each scrape of /metrics, to refresh computed gauges (quick, no API calls).
  void add_before_scrape(std::function<void()> refresh);
  // Serves GET /status on the metrics server with `status`'s JSON (HttpServerOptions::status).
  void set_status(std::function<std::string()> status);
  // --metrics-secure: the metrics server speaks HTTPS with `tls` and serves only what
  // `authorizer` allows (manager/metrics_auth.hpp). The probe server stays plain HTTP.
  void secure_metrics(std::shared_ptr<boost::asio::ssl::context> tls,
                      std::shared_ptr<RequestAuthorizer> authorizer);

  // Ends run() with `exit_code`; the first request wins. From any thread.
  void request_stop(int exit_code);
  bool stop_requested() const;
  // Ends the process now with `exit_code`: no part stops, nothing drains, no Lease is released
  // (a leader that lost its Lease, as controller-runtime then skips its graceful shutdown). From
  // any thread; `exit_now` does it.
  void exit_at_once(int exit_code);

  // See the header comment. Returns the exit code of the first stop request, or 1 when a part or
  // a server could not start. Call once.
  int run();

  // The servers' ports once run() has started them (0 before, or when disabled).
  std::uint16_t metrics_port() const;
  std::uint16_t health_port() const;

  // Stops the I/O threads and destroys the handlers still pending (IoThreads::stop); run() does
  // it last. For an owner that never called run(), before it destroys what the handlers use.
  void stop_io();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steward::manager
