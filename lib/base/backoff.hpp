#pragma once
// Backoff: exponentially growing, jittered delays between retries of one failing activity, reset
// after a healthy stretch. client-go's wait.Backoff / ExponentialBackoffManager semantics:
//
//   delay(n) = min(initial * factor^n, max), then + uniform(0, jitter * delay)
//   if no delay was asked for during `reset_after`, the next one starts again from `initial`.
//
// Used by the API client's retries and by reflectors (800 ms .. 30 s, factor 2, jitter 1.0, reset
// after 2 min: the reflector's numbers, chosen after a fixed short retry turned one apiserver OOM
// into a request storm, kubernetes#87794). Not thread-safe: one per activity.

#include <cstdint>
#include <random>

#include "base/clock.hpp"

namespace steward::base {

struct BackoffOptions {
  Clock::duration initial = std::chrono::milliseconds(800);
  Clock::duration max = std::chrono::seconds(30);
  double factor = 2.0;
  // Fraction of the delay added at random (0 = none, 1.0 = up to double), so clients that failed
  // together do not retry together.
  double jitter = 1.0;
  // A stretch without failures after which the next delay is `initial` again; zero = never.
  Clock::duration reset_after = std::chrono::minutes(2);
  std::uint64_t seed = std::random_device{}();
};

class Backoff {
 public:
  explicit Backoff(BackoffOptions options = {}, const Clock& clock = SteadyClock::instance());

  // The delay before the next attempt; each call grows the following one.
  Clock::duration next();
  // Back to `initial` at once (after a success that proves health).
  void reset();

 private:
  BackoffOptions options_;
  const Clock& clock_;
  std::mt19937_64 random_;
  double current_;  // un-jittered delay of the next call, in clock ticks
  Clock::time_point last_;
  bool started_ = false;
};

}  // namespace steward::base
