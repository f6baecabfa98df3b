#pragma once
// What integration tests share for running async code: JSON literals, an io_context on its own
// thread (as in the daemon) and waiting for a condition with a generous deadline.

#include <rapidjson/document.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <string>
#include <thread>

namespace steward::test {

inline rapidjson::Document json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

// An io_context whose pending handlers can be destroyed before it is: the first half of
// ~execution_context, protected there (as lib/manager/io_threads.cpp does for the daemon).
struct StoppableIoContext : boost::asio::io_context {
  void destroy_pending_handlers() { shutdown(); }
};

// An io_context running on a thread of its own, as in the daemon.
struct Loop {
  StoppableIoContext io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~Loop() { halt(); }
  // Stops the thread and destroys the handlers still queued. A test whose objects the handlers
  // use (clients, controllers) halts the loop before those go, as the daemon stops its I/O
  // threads first: a coroutine still opening a connection must not run while its client is
  // destroyed. Idempotent.
  void halt() {
    if (halted_) return;
    halted_ = true;
    guard.reset();
    io.stop();
    thread.join();
    io.destroy_pending_handlers();
  }
  template <typename T>
  T sync(boost::asio::awaitable<T> work) {
    return boost::asio::co_spawn(io, std::move(work), boost::asio::use_future).get();
  }

 private:
  bool halted_ = false;
};

// Waits for `done()` with a generous deadline; no fixed sleeps.
template <typename Predicate>
bool eventually(Predicate done, std::chrono::seconds deadline = std::chrono::seconds(30)) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace steward::test
