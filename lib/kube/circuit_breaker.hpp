#pragma once
// CircuitBreaker: stops steward from hammering an API server that is failing, and lets a single
// probe find out when it is back. One per server. A state machine:
//
//   closed     requests flow. `failure_threshold` consecutive failures -> open.
//   open       requests fail fast (no network) for the open period; then the next request ->
//              half_open. The period is `open_for` when the breaker opens; after each failed probe
//              it doubles, up to `max_open_for`.
//   half_open  one probe request at a time. A failure -> open (for the doubled period);
//              `successes_to_close` successes in a row -> closed.
//
// The defaults: open after 5 failures, half-open after 1 s, doubling after each failed probe up to
// 30 s, closed after 2 successes (issue #15 in the project's tracker; before it, issue #4's fixed
// 30 s). The short first period notices a short outage (an API server restart) within about its own
// length, while a long one still costs one probe per 30 s: test/cli/unreachable_start_test.sh
// measured convergence 3.9-4.0 s after the server came up, against 26.9-27.0 s with the fixed 30 s
// period (still available as open_for = max_open_for = 30 s). Callers told "open" learn from
// retry_in() when a probe may go, and wait that long rather than on a backoff of their own that the
// fail-fast answers would grow.
//
// A failure is what says the server is unwell: no response, 429, 5xx. Other 4xx are the request's
// fault and count as successes. Thread-safe.

#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

#include "base/clock.hpp"

namespace steward::kube {

struct CircuitBreakerOptions {
  int failure_threshold = 5;                             // consecutive failures that open it
  base::Clock::duration open_for = std::chrono::seconds(1);       // fail-fast period on opening
  base::Clock::duration max_open_for = std::chrono::seconds(30);  // longest, after failed probes
  int successes_to_close = 2;                            // probe successes that close it again

  bool operator==(const CircuitBreakerOptions&) const = default;  // the StewardConfig compares it
};

class CircuitBreaker {
 public:
  enum class State {
    closed,     // normal operation
    open,       // failing fast
    half_open,  // probing
  };
  // A move between states. `open_for` is the new open period when `to` is open.
  struct Transition {
    State from;
    State to;
    base::Clock::duration open_for;
  };
  // Called after each move, outside the breaker's lock (it may log, or read the breaker).
  using Observer = std::function<void(const Transition&)>;

  explicit CircuitBreaker(CircuitBreakerOptions options = {},
                          const base::Clock& clock = base::SteadyClock::instance(),
                          Observer observer = nullptr);

  // Whether a request may be sent now. Every true must be followed by record().
  bool allow();
  // The outcome of a request allowed by allow().
  void record(bool success);
  // The state as of now on the clock: an open breaker whose open period has passed reports
  // half_open, as the next allow() would find it, so a gauge or readiness check read while no
  // requests flow is not stuck at "open". (sony/gobreaker's State() does the same.)
  State state() const;
  // For a caller that allow() refused: how long until a request may be admitted. Open: the rest
  // of the open period. Half-open with the probe out: a short wait (the probe's answer decides),
  // at most `open_for`. Zero when a request would be admitted now.
  base::Clock::duration retry_in() const;

 private:
  // Called with mu_ held; returns the move for the observer.
  Transition move_to(State next);
  void notify(const std::optional<Transition>& transition) const;

  const CircuitBreakerOptions options_;
  const base::Clock& clock_;
  const Observer observer_;
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
