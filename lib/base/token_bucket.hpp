#pragma once
// TokenBucket: `qps` tokens per second, at most `burst` saved up. Used for the work queue's overall
// retry limit and the API client's request throttle.
//
// reserve() has golang.org/x/time/rate's Reserve() semantics (which client-go uses for both): every
// call takes a token, possibly one that does not exist yet, and returns how long the caller must wait
// until it does. Callers that wait as told never exceed `qps` after the first `burst`, and tokens
// promised to earlier callers are never handed out twice. Thread-safe.

#include <mutex>

#include "base/clock.hpp"

namespace steward::base {

class TokenBucket {
 public:
  TokenBucket(double qps, int burst, const Clock& clock = SteadyClock::instance());

  Clock::duration reserve();
  // Takes a token only if one is there now: for callers that drop rather than wait.
  bool try_take();
  // From now on, `qps` and `burst` (the tokens saved up so far are kept, up to the new burst; the
  // ones promised are still owed).
  void set_rate(double qps, int burst);

 private:
  // Tokens earned since last_, up to burst_; last_ moves to now. Under mu_.
  void refill_locked(Clock::time_point now);

  double qps_;
  double burst_;
  const Clock& clock_;
  std::mutex mu_;      // guards qps_, burst_, tokens_, last_
  double tokens_;      // negative while tokens are promised to waiting callers
  Clock::time_point last_;
};

}  // namespace steward::base
