#include "manager/manager.hpp"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "manager/heartbeat.hpp"
#include "manager/shutdown_deadline.hpp"
#include "observe/log.hpp"
#include "manager/io_threads.hpp"

namespace steward::manager {
namespace {

const observe::Logger kLog{"main"};

// A part that could not start, or a server that could not listen.
constexpr int kStartFailed = 1;
// A second signal, or the shutdown deadline: the process ends at once with this.
constexpr int kExitAtOnce = 1;

// The probe server's header deadline (HttpServerOptions::read_timeout): the kubelet writes its
// whole request at once and gives up after its probe timeout (1 s by default), so a header still
// incomplete after 1 s is not a probe's, and its slot is better given back (issue #22). The metrics
// server keeps the default 10 s: a scrape may come over a slower path.
constexpr std::chrono::milliseconds kProbeHeaderTimeout{1000};

// steward_http_slow_connections_closed_total{server, reason}: connections a server closed for
// being slow (HttpServerOptions::SlowClose). Rising on the probe server means something floods
// the probe port; nothing is done without a registry.
std::function<void(HttpServerOptions::SlowClose)> count_slow_closes(prometheus::Registry* registry,
                                                                   const std::string& server) {
  if (registry == nullptr) return nullptr;
  auto& family = prometheus::BuildCounter()
                     .Name("steward_http_slow_connections_closed_total")
                     .Help("Connections the metrics or probe server closed for being slow: "
                           "evicted at the connection cap while waiting for a request header, or "
                           "past the header deadline with part of a header in.")
                     .Register(*registry);
  prometheus::Counter* evicted = &family.Add({{"server", server}, {"reason", "evicted"}});
  prometheus::Counter* timeout = &family.Add({{"server", server}, {"reason", "header_timeout"}});
  return [evicted, timeout](HttpServerOptions::SlowClose why) {
    (why == HttpServerOptions::SlowClose::kEvicted ? evicted : timeout)->Increment();
  };
}

void exit_process(int code) {
  std::fflush(stdout);
  std::_Exit(code);
}

}  // namespace

struct Manager::Impl {
  explicit Impl(ManagerOptions o)
      : options(std::move(o)), io_threads(options.io_threads), heartbeat(io_threads.io()) {
    if (!options.exit_now) options.exit_now = exit_process;
  }

  ManagerOptions options;
  manager::IoThreads io_threads;
  Heartbeat heartbeat;
  std::vector<std::pair<std::string, std::unique_ptr<Runnable>>> parts;
  std::vector<manager::HealthCheck> healthz;
  std::vector<manager::HealthCheck> readyz;
  std::vector<std::function<void()>> before_scrape;
  std::function<std::string()> status;
  std::shared_ptr<boost::asio::ssl::context> metrics_tls;
  std::shared_ptr<RequestAuthorizer> metrics_authorizer;
  std::optional<manager::HttpServer> metrics_server;
  std::optional<manager::HttpServer> probe_server;
  std::optional<boost::asio::signal_set> signals;

  mutable std::mutex mu;  // guards exit_code
  std::condition_variable stop_cv;
  std::optional<int> exit_code;

  int wait_for_stop() {
    std::unique_lock lock(mu);
    stop_cv.wait(lock, [&] { return exit_code.has_value(); });
    return *exit_code;
  }

  void arm_signals(Manager& manager) {
    signals->async_wait([this, &manager](const boost::system::error_code& error, int signal) {
      if (error) return;  // cancelled: the run is over
      if (signal == SIGHUP) {
        if (!manager.stop_requested() && options.on_hangup) options.on_hangup();
      } else {
        const char* name = signal == SIGTERM ? "SIGTERM" : "SIGINT";
        if (manager.stop_requested()) {
          // The operator (or the kubelet after its grace period) insists: no more waiting.
          kLog.warn("second signal: exiting at once", {{"signal", name}});
          options.exit_now(kExitAtOnce);
          return;
        }
        kLog.info("shutting down", {{"signal", name}});
        manager.request_stop(options.signal_exit_code);
      }
      arm_signals(manager);
    });
  }

  // Starts the servers (when serving); false (logged) when one cannot listen.
  bool serve() {
    if (!options.serve) return true;
    auto& io = io_threads.io();
    std::vector<manager::HealthCheck> live{
        {"event-loop", [this] { return heartbeat.check(); }, nullptr}};
    live.insert(live.end(), healthz.begin(), healthz.end());
    metrics_server.emplace(io, manager::HttpServerOptions{
                                   .bind_address = options.metrics_bind_address,
                                   .registry = options.registry,
                                   .before_scrape =
                                       [this] {
                                         for (const auto& refresh : before_scrape) refresh();
                                       },
                                   .status = status,
                                   .on_slow_close = count_slow_closes(options.registry, "metrics"),
                                   .tls = metrics_tls,
                                   .authorizer = metrics_authorizer});
    // Its own server, so its own connection cap: a flood of the metrics port leaves it alone.
    probe_server.emplace(
        io, manager::HttpServerOptions{.bind_address = options.health_bind_address,
                                       .healthz = std::move(live),
                                       .readyz = readyz,
                                       .read_timeout = kProbeHeaderTimeout,
                                       .on_slow_close = count_slow_closes(options.registry, "probes")});
    try {
      metrics_server->start();
      probe_server->start();
    } catch (const std::exception& e) {
      kLog.error("fatal", {{"error", e.what()}});
      return false;
    }
    kLog.info("serving", {{"metrics", std::to_string(metrics_server->port())},
                          {"probes", std::to_string(probe_server->port())},
                          {"metricsSecure", metrics_tls ? "true" : "false"}});
    return true;
  }

  void stop_parts(std::size_t started) {
    while (started > 0) parts[--started].second->stop();
  }

  void stop_servers() {
    if (metrics_server) metrics_server->stop();
    if (probe_server) probe_server->stop();
  }
};

Manager::Manager(ManagerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Manager::~Manager() { stop_io(); }

boost::asio::io_context& Manager::io() { return impl_->io_threads.io(); }

void Manager::add(std::string name, std::unique_ptr<Runnable> part) {
  impl_->parts.emplace_back(std::move(name), std::move(part));
}

void Manager::add_healthz_check(manager::HealthCheck check) {
  impl_->healthz.push_back(std::move(check));
}

void Manager::add_readyz_check(manager::HealthCheck check) {
  impl_->readyz.push_back(std::move(check));
}

void Manager::set_status(std::function<std::string()> status) {
  impl_->status = std::move(status);
}

void Manager::add_before_scrape(std::function<void()> refresh) {
  impl_->before_scrape.push_back(std::move(refresh));
}

void Manager::secure_metrics(std::shared_ptr<boost::asio::ssl::context> tls,
                             std::shared_ptr<RequestAuthorizer> authorizer) {
  impl_->metrics_tls = std::move(tls);
  impl_->metrics_authorizer = std::move(authorizer);
}

void Manager::request_stop(int exit_code) {
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->exit_code) impl_->exit_code = exit_code;
  }
  impl_->stop_cv.notify_all();
}

void Manager::exit_at_once(int exit_code) { impl_->options.exit_now(exit_code); }

bool Manager::stop_requested() const {
  std::lock_guard lock(impl_->mu);
  return impl_->exit_code.has_value();
}

std::uint16_t Manager::metrics_port() const {
  return impl_->metrics_server ? impl_->metrics_server->port() : 0;
}

std::uint16_t Manager::health_port() const {
  return impl_->probe_server ? impl_->probe_server->port() : 0;
}

void Manager::stop_io() { impl_->io_threads.stop(); }

int Manager::run() {
  Impl& s = *impl_;
  s.heartbeat.start();
  // Before any part starts: a SIGTERM during a slow start is a shutdown, not the default death.
  s.signals.emplace(io(), SIGTERM, SIGINT, SIGHUP);
  s.arm_signals(*this);

  std::size_t started = 0;
  bool ok = s.serve();
  for (; ok && started < s.parts.size(); ++started) {
    try {
      s.parts[started].second->start();
    } catch (const std::exception& e) {
      kLog.error("fatal", {{"part", s.parts[started].first}, {"error", e.what()}});
      ok = false;
      break;
    }
  }
  if (!ok) {
    s.stop_parts(started);
    s.stop_servers();
    s.signals->cancel();
    stop_io();
    return kStartFailed;
  }

  const int exit_code = s.wait_for_stop();
  // Readiness fails at once so traffic and rollouts move on; liveness stays up until the end.
  if (s.probe_server) s.probe_server->set_shutting_down();
  const auto stopping = std::chrono::steady_clock::now();
  {
    const auto timeout = s.options.graceful_shutdown_timeout;
    ShutdownDeadline deadline(timeout, [&s, timeout] {
      kLog.error("shutdown deadline passed; exiting without finishing",
                 {{"timeoutSeconds",
                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count())}});
      s.options.exit_now(kExitAtOnce);
    });
    s.stop_parts(s.parts.size());
    s.stop_servers();
  }
  s.signals->cancel();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - stopping).count();
  kLog.info("stopped", {{"exitCode", std::to_string(exit_code)},
                        {"shutdownSeconds", std::to_string(seconds)}});
  stop_io();
  return exit_code;
}

}  // namespace steward::manager
