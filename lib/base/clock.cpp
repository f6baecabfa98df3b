#include "base/clock.hpp"

namespace steward::base {

const SteadyClock& SteadyClock::instance() {
  static const SteadyClock clock;
  return clock;
}

void SteadyClock::wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                             time_point deadline) const {
  // "Forever" is a plain wait: converting time_point::max() to a timespec would overflow.
  if (deadline == time_point::max()) {
    cv.wait(lock);
  } else {
    cv.wait_until(lock, deadline);
  }
}

void FakeClock::advance(duration d) {
  // Read-modify-write under waiters_mu_ so concurrent advances do not lose time.
  std::lock_guard guard(waiters_mu_);
  now_.store(now_.load() + d);
  for (auto& [cv, count] : waiters_) cv->notify_all();
}

void FakeClock::wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                           time_point deadline) const {
  {
    std::lock_guard guard(waiters_mu_);
    ++waiters_[&cv];
  }
  if (now() < deadline) cv.wait_for(lock, kRecheck);
  std::lock_guard guard(waiters_mu_);
  if (--waiters_[&cv] == 0) waiters_.erase(&cv);
}

int FakeClock::waiters() const {
  std::lock_guard guard(waiters_mu_);
  int total = 0;
  for (const auto& [cv, count] : waiters_) total += count;
  return total;
}

}  // namespace steward::base
