#pragma once
// Runnable: one part of the daemon that the Manager starts and stops: the controller, leader
// election, the source watchers, a --once waiter (controller-runtime's manager.Runnable, split
// into the two calls a C++ part needs: Go's Start(ctx) blocks until ctx ends, which is both).

#include <functional>
#include <memory>

namespace steward::manager {

class Runnable {
 public:
  virtual ~Runnable() = default;
  // Starts the part and returns. Throws (a std::exception saying why) when it cannot start: the
  // manager then stops the parts started before it, in reverse, and run() fails.
  virtual void start() = 0;
  // Stops the part and returns once it has stopped: work in flight finished, or abandoned where
  // the part says so. Called once, and only after start() returned normally.
  virtual void stop() = 0;
};

// A runnable of two functions; either may be empty (nothing to do then).
std::unique_ptr<Runnable> make_runnable(std::function<void()> start, std::function<void()> stop);

}  // namespace steward::manager
