#include "kube/circuit_breaker.hpp"

#include <algorithm>

namespace steward::kube {

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, const base::Clock& clock)
    : options_(options), clock_(clock) {}

bool CircuitBreaker::allow() {
  std::lock_guard guard(mu_);
  switch (state_) {
    case State::closed:
      return true;
    case State::open:
      if (clock_.now() - opened_at_ < open_period_) return false;
      move_to(State::half_open);
      probe_in_flight_ = true;
      return true;
    case State::half_open:
      if (probe_in_flight_) return false;
      probe_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::record(bool success) {
  std::lock_guard guard(mu_);
  switch (state_) {
    case State::closed:
      consecutive_failures_ = success ? 0 : consecutive_failures_ + 1;
      if (consecutive_failures_ >= options_.failure_threshold) move_to(State::open);
      break;
    case State::open:
      break;  // a request sent before the breaker opened: its outcome changes nothing
    case State::half_open:
      probe_in_flight_ = false;
      if (!success) {
        move_to(State::open);
      } else if (++probe_successes_ >= options_.successes_to_close) {
        move_to(State::closed);
      }
      break;
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard guard(mu_);
  // Once open_for has passed the next request is the probe: the breaker is half-open already,
  // whether or not a request has come along to move it there (allow() makes the move).
  if (state_ == State::open && clock_.now() - opened_at_ >= options_.open_for) {
    return State::half_open;
  }
  return state_;
}

void CircuitBreaker::move_to(State next) {
  if (next == State::open) {
    open_period_ = state_ == State::half_open
                       ? std::min<base::Clock::duration>(2 * open_period_, options_.max_open_for)
                       : options_.open_for;
  }
  state_ = next;
  consecutive_failures_ = 0;
  probe_successes_ = 0;
  probe_in_flight_ = false;
  if (next == State::open) opened_at_ = clock_.now();
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
