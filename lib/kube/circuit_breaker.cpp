#include "kube/circuit_breaker.hpp"

#include <algorithm>
#include <optional>

namespace steward::kube {
namespace {
// A caller refused while the probe is out asks again after this (or open_for, if shorter): the
// probe's answer comes within a request deadline, and a refusal costs no network.
constexpr base::Clock::duration kProbeWait = std::chrono::seconds(1);
}  // namespace

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, const base::Clock& clock,
                               Observer observer)
    : options_(options), clock_(clock), observer_(std::move(observer)) {}

bool CircuitBreaker::allow() {
  std::optional<Transition> moved;
  bool allowed = false;
  {
    std::lock_guard guard(mu_);
    switch (state_) {
      case State::closed:
        allowed = true;
        break;
      case State::open:
        if (clock_.now() - opened_at_ < open_period_) break;
        moved = move_to(State::half_open);
        probe_in_flight_ = true;
        allowed = true;
        break;
      case State::half_open:
        if (probe_in_flight_) break;
        probe_in_flight_ = true;
        allowed = true;
        break;
    }
  }
  notify(moved);
  return allowed;
}

void CircuitBreaker::record(bool success) {
  std::optional<Transition> moved;
  {
    std::lock_guard guard(mu_);
    switch (state_) {
      case State::closed:
        consecutive_failures_ = success ? 0 : consecutive_failures_ + 1;
        if (consecutive_failures_ >= options_.failure_threshold) moved = move_to(State::open);
        break;
      case State::open:
        break;  // a request sent before the breaker opened: its outcome changes nothing
      case State::half_open:
        probe_in_flight_ = false;
        if (!success) {
          moved = move_to(State::open);
        } else if (++probe_successes_ >= options_.successes_to_close) {
          moved = move_to(State::closed);
        }
        break;
    }
  }
  notify(moved);
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard guard(mu_);
  // Once the open period has passed the next request is the probe: the breaker is half-open
  // already, whether or not a request has come along to move it there (allow() makes the move).
  if (state_ == State::open && clock_.now() - opened_at_ >= open_period_) {
    return State::half_open;
  }
  return state_;
}

base::Clock::duration CircuitBreaker::retry_in() const {
  std::lock_guard guard(mu_);
  switch (state_) {
    case State::closed:
      return base::Clock::duration::zero();
    case State::open:
      return std::max(base::Clock::duration::zero(), opened_at_ + open_period_ - clock_.now());
    case State::half_open:
      return probe_in_flight_ ? std::min(kProbeWait, options_.open_for)
                              : base::Clock::duration::zero();
  }
  return base::Clock::duration::zero();
}

CircuitBreaker::Transition CircuitBreaker::move_to(State next) {
  if (next == State::open) {
    open_period_ = state_ == State::half_open
                       ? std::min<base::Clock::duration>(2 * open_period_, options_.max_open_for)
                       : options_.open_for;
  }
  const Transition transition{state_, next, next == State::open ? open_period_
                                                                : base::Clock::duration::zero()};
  state_ = next;
  consecutive_failures_ = 0;
  probe_successes_ = 0;
  probe_in_flight_ = false;
  if (next == State::open) opened_at_ = clock_.now();
  return transition;
}

void CircuitBreaker::notify(const std::optional<Transition>& transition) const {
  if (transition && observer_) observer_(*transition);
}

std::string_view to_string(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::closed: return "closed";
    case CircuitBreaker::State::open: return "open";
    case CircuitBreaker::State::half_open: return "half_open";
  }
  return "unknown";
}

}  // namespace steward::kube
