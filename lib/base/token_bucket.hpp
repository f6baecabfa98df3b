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

 private:
  const double qps_;
  const double burst_;
  const Clock& clock_;
  std::mutex mu_;      // guards tokens_, last_
  double tokens_;      // negative while tokens are promised to waiting callers
  Clock::time_point last_;
};

}  // namespace steward::base
