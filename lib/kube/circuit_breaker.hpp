#pragma once
// CircuitBreaker: stops steward from hammering an API server that is failing, and lets a single
// probe find out when it is back. One per server. A state machine:
//
//   closed     requests flow. `failure_threshold` consecutive failures -> open.
//   open       requests fail fast (no network) for the open period; then the next request ->
//              half_open. The period is `open_for` when the breaker opens, and doubles after each
//              failed probe up to `max_open_for`.
//   half_open  one probe request at a time. A failure -> open (for the doubled period);
//              `successes_to_close` successes in a row -> closed.
//
// The growing period keeps a long outage to one probe per `max_open_for` while a short one (an
// API server restart) is noticed within about its own length: with a fixed 30 s, steward stayed
// blind for up to 30 s after the server was back, and the callers' own backoffs, grown by the
// fail-fast answers meanwhile, added more (test/cli/unreachable_start_test.sh: a server that came
// up 4 s into an outage at start was noticed 38 s later; now within about 2 s).
//
// A failure is what says the server is unwell: no response, 429, 5xx. Other 4xx are the request's
// fault and count as successes. Thread-safe.

#include <mutex>
#include <string_view>

#include "base/clock.hpp"

namespace steward::kube {

struct CircuitBreakerOptions {
  int failure_threshold = 5;                             // consecutive failures that open it
  base::Clock::duration open_for = std::chrono::seconds(1);       // first fail-fast period
  base::Clock::duration max_open_for = std::chrono::seconds(30);  // longest, after failed probes
  int successes_to_close = 2;                            // probe successes that close it again
};

class CircuitBreaker {
 public:
  enum class State {
    closed,     // normal operation
    open,       // failing fast
    half_open,  // probing
  };

  explicit CircuitBreaker(CircuitBreakerOptions options = {},
                          const base::Clock& clock = base::SteadyClock::instance());

  // Whether a request may be sent now. Every true must be followed by record().
  bool allow();
  // The outcome of a request allowed by allow().
  void record(bool success);
  // The state as of now on the clock: an open breaker whose open_for has passed reports
  // half_open, as the next allow() would find it, so a gauge or readiness check read while no
  // requests flow is not stuck at "open". (sony/gobreaker's State() does the same.)
  State state() const;

 private:
  void move_to(State next);  // called with mu_ held

  const CircuitBreakerOptions options_;
  const base::Clock& clock_;
  mutable std::mutex mu_;  // guards everything below
  State state_ = State::closed;
  int consecutive_failures_ = 0;     // closed: failures in a row
  int probe_successes_ = 0;          // half_open: successes in a row
  bool probe_in_flight_ = false;     // half_open: a probe was admitted and has not reported
  base::Clock::time_point opened_at_{};
  base::Clock::duration open_period_{};  // open: how long this time
};

std::string_view to_string(CircuitBreaker::State state);

}  // namespace steward::kube
