#pragma once
// ClientThrottle: how fast the API client may send (issue 24). A token bucket whose rate is fixed
// (`cluster.qps`/`cluster.burst`, 50/100 by default) until the server shows that it runs API
// Priority and Fairness, and from then on follows what the server accepts.
//
// Why only with APF: an APF server protects itself. It queues each flow's requests fairly and
// answers 429 with Retry-After when a priority level's queues are full, so a client that backs off
// on those signals cannot hurt it or starve other clients. A server without APF has only its
// max-in-flight limits, which reject everyone alike; there the fixed throttle stays. The signal
// is the answer's `X-Kubernetes-PF-FlowSchema-UID` or `X-Kubernetes-PF-PriorityLevel-UID` header
// (every answer of a v1.20 server with APF on, the default); once seen, the throttle is adaptive.
//
// The adaptive limit, judged four times a second (a window of 250 ms):
//   429                 the limit halves at once and nothing is sent until Retry-After (1 s when
//                       the header is absent) has passed
//   rising latency      the window's mean latency of single-object requests (not lists or
//                       watches, whose time grows with what they carry) above twice the baseline,
//                       and 50 ms above it: the limit drops by 30%. The server is queueing steward's
//                       requests before it would reject them. The baseline is the lowest window
//                       mean seen, let up by 2% a second so that a server that got slower for good
//                       stops counting as congested
//   otherwise           if the throttle made requests wait in the window (demand above the limit),
//                       the limit grows: doubling each window until the first decrease ("slow
//                       start", so that a first apply of thousands of objects reaches a server's
//                       thousand requests a second from 50 in about a second), then by 25
//                       requests/s each second (additive)
// After a decrease, one second (the time the requests already sent need to show its effect) with
// neither another decrease nor an increase.
// between a floor of 5 requests/s and a ceiling: `cluster.qps` when the user set it, otherwise
// `max_qps`. The burst is `cluster.burst` when the user set it, otherwise the larger of the
// configured burst and a fifth of the limit. A window with fewer than 10 latency samples does not
// judge latency. Thread-safe; the clock is injected for tests.

#include <mutex>
#include <string_view>

#include "base/clock.hpp"
#include "base/token_bucket.hpp"

namespace steward::kube {

struct ThrottleOptions {
  double qps = 50;  // the fixed rate, and the adaptive one's start
  int burst = 100;
  // The user set these (cluster.qps, cluster.burst): the adaptive limit never goes above them.
  bool qps_is_bound = false;
  bool burst_is_bound = false;
  bool adaptive = true;    // false: fixed whatever the server runs
  double max_qps = 5000;   // the adaptive limit's ceiling when qps is not bound
};

class ClientThrottle {
 public:
  explicit ClientThrottle(ThrottleOptions options,
                          const base::Clock& clock = base::SteadyClock::instance());

  // How long the caller must wait before it sends (it takes a token, as TokenBucket::reserve).
  base::Clock::duration reserve();

  // What one attempt got back. `status` 0: no answer.
  struct Answer {
    int status = 0;
    bool priority_and_fairness = false;  // the APF headers were there
    std::string_view verb;               // "get", "apply", "list", ... (HttpRequest::verb)
    base::Clock::duration latency{};
    base::Clock::duration retry_after{};  // 0: none given
  };
  void observe(const Answer& answer);

  double limit() const;   // requests per second now
  bool adaptive() const;  // APF seen, and adaptive allowed

 private:
  void roll_window_locked(base::Clock::time_point now);
  void decrease_locked(double factor, base::Clock::time_point now);
  // Within kDecreaseCooldown of the last decrease: neither another decrease nor an increase.
  bool cooling_locked(base::Clock::time_point now) const;
  void set_limit_locked(double limit);

  const ThrottleOptions options_;
  const base::Clock& clock_;
  base::TokenBucket bucket_;
  mutable std::mutex mu_;  // guards everything below
  bool adaptive_ = false;
  bool slow_start_ = true;
  double limit_;
  base::Clock::time_point last_decrease_;
  base::Clock::time_point paused_until_{};
  // The window being judged.
  base::Clock::time_point window_start_;
  bool throttled_ = false;        // a reserve() in it had to wait
  int latency_samples_ = 0;
  double latency_sum_seconds_ = 0;
  double baseline_seconds_ = 0;   // 0: none yet
};

}  // namespace steward::kube
