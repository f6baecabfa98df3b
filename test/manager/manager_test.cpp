#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "manager/manager.hpp"

using namespace std::chrono_literals;
using steward::manager::Manager;
using steward::manager::ManagerOptions;
using steward::manager::make_runnable;

namespace {

// What the parts did, in order: "start a", "stop a", ...
struct Journal {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> lines;
  void add(const std::string& line) {
    std::lock_guard lock(mu);
    lines.push_back(line);
    cv.notify_all();
  }
  bool wait_for(const std::string& line, std::chrono::seconds deadline = 20s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, deadline, [&] {
      return std::find(lines.begin(), lines.end(), line) != lines.end();
    });
  }
  std::vector<std::string> all() {
    std::lock_guard lock(mu);
    return lines;
  }
};

// A gate a test opens from another thread.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void release() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
  void wait() {
    std::unique_lock lock(mu);
    cv.wait_for(lock, 20s, [&] { return open; });
  }
};

// Stands in for the end of the process (ManagerOptions::exit_now): records the exit code and lets
// a part stuck in stop() go on, so run() can return in the test.
struct ProcessExit {
  std::promise<int> code;
  Gate parts_go_on;
  void install(ManagerOptions& options) {
    options.exit_now = [this](int exit_code) {
      code.set_value(exit_code);
      parts_go_on.release();
    };
  }
  // The code the process would have exited with; -1 if it was not ended within 20 s.
  int wait() {
    auto future = code.get_future();
    return future.wait_for(20s) == std::future_status::ready ? future.get() : -1;
  }
};

ManagerOptions quiet_options() {
  ManagerOptions options;
  options.serve = false;  // no ports: these tests are about order, signals and deadlines
  options.exit_now = [](int code) { FAIL("the process would have exited with " << code); };
  return options;
}

void add_part(Manager& manager, Journal& journal, const std::string& name) {
  manager.add(name, make_runnable([&journal, name] { journal.add("start " + name); },
                                  [&journal, name] { journal.add("stop " + name); }));
}

}  // namespace

TEST_CASE("parts start in the order added and stop in reverse, and run returns the stop's code") {
  Manager manager(quiet_options());
  Journal journal;
  for (const char* name : {"a", "b", "c"}) add_part(manager, journal, name);
  auto result = std::async(std::launch::async, [&] { return manager.run(); });
  REQUIRE(journal.wait_for("start c"));
  manager.request_stop(3);
  manager.request_stop(4);  // the first request wins
  REQUIRE(result.wait_for(20s) == std::future_status::ready);
  CHECK(result.get() == 3);
  CHECK(journal.all() ==
        std::vector<std::string>{"start a", "start b", "start c", "stop c", "stop b", "stop a"});
}

TEST_CASE("a part that cannot start: the ones before it stop in reverse, the rest never start") {
  Manager manager(quiet_options());
  Journal journal;
  add_part(manager, journal, "a");
  add_part(manager, journal, "b");
  manager.add("broken", make_runnable([] { throw std::runtime_error("no such port"); },
                                      [&journal] { journal.add("stop broken"); }));
  add_part(manager, journal, "d");
  CHECK(manager.run() == 1);
  CHECK(journal.all() == std::vector<std::string>{"start a", "start b", "stop b", "stop a"});
}

TEST_CASE("a stop request made while the parts start ends the run once they have started") {
  Manager manager(quiet_options());
  Journal journal;
  manager.add("early", make_runnable([&] { manager.request_stop(5); }, nullptr));
  add_part(manager, journal, "late");
  CHECK(manager.run() == 5);
  CHECK(journal.all() == std::vector<std::string>{"start late", "stop late"});
}

TEST_CASE("a shutdown past its deadline ends the process at once with 1") {
  ManagerOptions options = quiet_options();
  options.graceful_shutdown_timeout = 50ms;
  ProcessExit exit;
  exit.install(options);
  Manager manager(options);
  manager.add("stuck", make_runnable(nullptr, [&exit] { exit.parts_go_on.wait(); }));
  auto result = std::async(std::launch::async, [&] { return manager.run(); });
  manager.request_stop(0);
  CHECK(exit.wait() == 1);
  REQUIRE(result.wait_for(20s) == std::future_status::ready);
}

TEST_CASE("SIGTERM asks for the end, and a second signal during the shutdown ends the process at once") {
  ManagerOptions options = quiet_options();
  options.signal_exit_code = 7;
  ProcessExit exit;
  exit.install(options);
  Manager manager(options);
  Journal journal;
  add_part(manager, journal, "fast");
  manager.add("slow", make_runnable([&journal] { journal.add("start slow"); },
                                    [&journal, &exit] {
                                      journal.add("stop slow");
                                      exit.parts_go_on.wait();
                                    }));
  auto result = std::async(std::launch::async, [&] { return manager.run(); });
  REQUIRE(journal.wait_for("start slow"));
  std::raise(SIGTERM);
  REQUIRE(journal.wait_for("stop slow"));  // the shutdown has begun, and hangs in "slow"
  CHECK(manager.stop_requested());
  std::raise(SIGINT);
  CHECK(exit.wait() == 1);
  REQUIRE(result.wait_for(20s) == std::future_status::ready);
  CHECK(result.get() == 7);
}

TEST_CASE("SIGHUP calls on_hangup while running, and not once the end began") {
  ManagerOptions options = quiet_options();
  std::atomic<int> hangups{0};
  Journal journal;
  options.on_hangup = [&] {
    ++hangups;
    journal.add("hangup " + std::to_string(hangups.load()));
  };
  ProcessExit exit;
  exit.install(options);
  Manager manager(options);
  Gate stopping;
  add_part(manager, journal, "ready");  // started: the signal handlers are installed
  manager.add("slow", make_runnable(nullptr, [&] {
                                      stopping.release();
                                      exit.parts_go_on.wait();
                                    }));
  auto result = std::async(std::launch::async, [&] { return manager.run(); });
  REQUIRE(journal.wait_for("start ready"));
  std::raise(SIGHUP);
  REQUIRE(journal.wait_for("hangup 1"));
  manager.request_stop(0);
  stopping.wait();
  // Pending signals are handled lowest number first, so by the time the SIGTERM has ended the
  // process (exit_now), this SIGHUP has been handled, and must have done nothing.
  std::raise(SIGHUP);
  std::raise(SIGTERM);
  REQUIRE(exit.wait() == 1);
  CHECK(hangups.load() == 1);
  REQUIRE(result.wait_for(20s) == std::future_status::ready);
}
