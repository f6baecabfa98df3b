#include "base/backoff.hpp"

#include <algorithm>

namespace steward::base {

Backoff::Backoff(BackoffOptions options, const Clock& clock)
    : options_(options),
      clock_(clock),
      random_(options.seed),
      current_(static_cast<double>(options.initial.count())) {}

Clock::duration Backoff::next() {
  const auto now = clock_.now();
  if (started_ && options_.reset_after > Clock::duration::zero() &&
      now - last_ > options_.reset_after) {
    reset();
  }
  started_ = true;
  last_ = now;
  const double cap = static_cast<double>(options_.max.count());
  double delay = std::min(current_, cap);
  current_ = std::min(current_ * options_.factor, cap);
  if (options_.jitter > 0) {
    delay += delay * options_.jitter * std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  }
  return Clock::duration(static_cast<Clock::duration::rep>(delay));
}

void Backoff::reset() { current_ = static_cast<double>(options_.initial.count()); }

}  // namespace steward::base
