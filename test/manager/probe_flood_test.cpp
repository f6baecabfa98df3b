// The daemon's probe server under a flood of slow clients (issue #22): the Manager's own servers,
// with the limits manager.cpp gives them, on free ports of 127.0.0.1.

#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "manager/manager.hpp"
#include "manager/slow_clients.hpp"

using namespace std::chrono_literals;
using steward::manager::Manager;
using steward::manager::ManagerOptions;
using steward::test::get_status;
using steward::test::SlowClients;

namespace {

// A generous bound on anything that should take moments: a broken server fails, never hangs.
constexpr auto kDeadline = 10s;
// What issue #22 asks of /healthz under a flood, and the kubelet's default probe timeout.
constexpr auto kProbeTimeout = 1s;

// A Manager serving on free ports, running on a thread of its own until destroyed.
class RunningManager {
 public:
  explicit RunningManager(prometheus::Registry& registry) : manager_(options(registry)) {
    manager_.add("ports", steward::manager::make_runnable(
                              [this] {
                                std::lock_guard lock(mu_);
                                metrics_port_ = manager_.metrics_port();
                                probe_port_ = manager_.health_port();
                                cv_.notify_all();
                              },
                              nullptr));
    run_ = std::async(std::launch::async, [this] { return manager_.run(); });
    std::unique_lock lock(mu_);
    REQUIRE(cv_.wait_for(lock, kDeadline, [this] { return probe_port_ != 0; }));
  }
  ~RunningManager() {
    manager_.request_stop(0);
    run_.wait();
  }
  std::uint16_t metrics_port() const { return metrics_port_; }
  std::uint16_t probe_port() const { return probe_port_; }

 private:
  static ManagerOptions options(prometheus::Registry& registry) {
    ManagerOptions options;
    options.metrics_bind_address = "127.0.0.1:0";
    options.health_bind_address = "127.0.0.1:0";
    options.registry = &registry;
    options.exit_now = [](int code) { FAIL("the process would have exited with " << code); };
    return options;
  }

  Manager manager_;
  std::future<int> run_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint16_t metrics_port_ = 0;
  std::uint16_t probe_port_ = 0;
};

// /healthz on the probe port, timed; checked to answer 200 within the kubelet's probe timeout.
void check_probe_answers_in_time(std::uint16_t port) {
  const auto start = std::chrono::steady_clock::now();
  const unsigned status = get_status(port, "/healthz", kDeadline);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(status == 200);
  CHECK(elapsed < kProbeTimeout);
}

double counter(prometheus::Registry& registry, const std::string& server, const std::string& reason) {
  for (const auto& family : registry.Collect()) {
    if (family.name != "steward_http_slow_connections_closed_total") continue;
    for (const auto& metric : family.metric) {
      bool matches = true;
      for (const auto& label : metric.label) {
        if (label.name == "server") matches = matches && label.value == server;
        if (label.name == "reason") matches = matches && label.value == reason;
      }
      if (matches) return metric.counter.value;
    }
  }
  return -1;
}

}  // namespace

TEST_CASE("/healthz answers within 1 s while 64 clients dribble headers to the probe port, and more") {
  prometheus::Registry registry;
  RunningManager running(registry);
  for (const int slow : {64, 128}) {
    const SlowClients flood(running.probe_port(), slow);
    for (int probe = 0; probe < 3; ++probe) check_probe_answers_in_time(running.probe_port());
  }
  CHECK(counter(registry, "probes", "evicted") >= 3);
  CHECK(counter(registry, "metrics", "evicted") == 0);
}

TEST_CASE("/healthz answers within 1 s while 64 clients dribble headers to the metrics port") {
  prometheus::Registry registry;
  RunningManager running(registry);
  const SlowClients metrics_flood(running.metrics_port(), 64);
  for (int probe = 0; probe < 3; ++probe) check_probe_answers_in_time(running.probe_port());
  // A scrape gets in too: the metrics server evicts a slow client for it.
  CHECK(get_status(running.metrics_port(), "/metrics", kDeadline) == 200);
  CHECK(counter(registry, "metrics", "evicted") >= 1);
}

TEST_CASE("a client dribbling a header to the probe port is closed at the 1 s header deadline") {
  prometheus::Registry registry;
  RunningManager running(registry);
  const auto start = std::chrono::steady_clock::now();
  {
    const SlowClients one(running.probe_port(), 1, 50ms);
    // The server closes it and it reconnects: the counter shows the close.
    const auto deadline = start + kDeadline;
    while (counter(registry, "probes", "header_timeout") < 1 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);  // polling a condition, with a deadline
    }
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(counter(registry, "probes", "header_timeout") >= 1);
  CHECK(elapsed < 5s);  // the probe server's deadline, not the default 10 s
}
