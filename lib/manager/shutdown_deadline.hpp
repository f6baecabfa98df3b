#pragma once
// ShutdownDeadline: bounds the graceful part of a shutdown. Armed when the shutdown begins; if it
// has not been disarmed (destroyed) within `timeout` (a reconcile stuck on a server that no longer
// answers), `expire` runs on a thread of its own: the daemon logs and exits 1 at once, without
// releasing the Lease on purpose (a reconcile that may still write is running, and a successor
// must not start writing before the lease expires). controller-runtime's GracefulShutdownTimeout.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace steward::manager {

class ShutdownDeadline {
 public:
  ShutdownDeadline(std::chrono::milliseconds timeout, std::function<void()> expire);
  // Disarms it: `expire` does not run if it has not started.
  ~ShutdownDeadline();
  ShutdownDeadline(const ShutdownDeadline&) = delete;
  ShutdownDeadline& operator=(const ShutdownDeadline&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;  // last: it starts waiting once the members above exist
};

}  // namespace steward::manager
