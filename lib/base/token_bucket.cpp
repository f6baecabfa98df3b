#include "base/token_bucket.hpp"

#include <algorithm>

namespace steward::base {

TokenBucket::TokenBucket(double qps, int burst, const Clock& clock)
    : qps_(qps), burst_(burst), clock_(clock), tokens_(burst), last_(clock.now()) {}

void TokenBucket::refill_locked(Clock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
}

Clock::duration TokenBucket::reserve() {
  std::lock_guard guard(mu_);
  refill_locked(clock_.now());
  tokens_ -= 1.0;
  if (tokens_ >= 0) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / qps_));
}

bool TokenBucket::try_take() {
  std::lock_guard guard(mu_);
  refill_locked(clock_.now());
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void TokenBucket::set_rate(double qps, int burst) {
  std::lock_guard guard(mu_);
  refill_locked(clock_.now());  // what was earned at the old rate stays earned
  qps_ = qps;
  burst_ = burst;
  tokens_ = std::min(burst_, tokens_);
}

}  // namespace steward::base
