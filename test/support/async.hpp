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

// An io_context running on a thread of its own, as in the daemon.
struct Loop {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~Loop() {
    guard.reset();
    io.stop();
    thread.join();
  }
  template <typename T>
  T sync(boost::asio::awaitable<T> work) {
    return boost::asio::co_spawn(io, std::move(work), boost::asio::use_future).get();
  }
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
