#pragma once
// RetryPolicy: whether the API client sends a failed request again, and after how long.
//
// Sent again (client-go's rest.Request retry rules, made explicit):
//   * 429 Too Many Requests, any method: the server did not process the request.
//   * no response (connection refused/reset, timeout) and 5xx except 501, for methods that are safe
//     to repeat: everything but POST, whose first attempt may have created the object. A POST is
//     repeated on 5xx only when the server sent Retry-After, i.e. asked for it.
// The delay is the larger of the server's Retry-After (capped) and an exponential, jittered backoff,
// so a server that asks for 1 s still gets spreading from many clients.
// 401 is handled by the client (refresh credentials, once), not here.

#include <chrono>
#include <optional>
#include <string_view>

#include "base/backoff.hpp"
#include "kube/api_error.hpp"

namespace steward::kube {

struct RetryOptions {
  // Attempts in all, the first included.
  int max_attempts = 5;
  // Between attempts: 250 ms, 500 ms, 1 s, 2 s ... up to 10 s, plus up to 100% jitter.
  base::BackoffOptions backoff{.initial = std::chrono::milliseconds(250),
                               .max = std::chrono::seconds(10),
                               .factor = 2.0,
                               .jitter = 1.0,
                               .reset_after = base::Clock::duration::zero()};
  // The longest Retry-After honoured; a longer one fails the request instead of stalling it.
  std::chrono::seconds max_retry_after{60};
};

class RetryPolicy {
 public:
  explicit RetryPolicy(RetryOptions options = {},
                       const base::Clock& clock = base::SteadyClock::instance())
      : options_(options), backoff_(options.backoff, clock) {}

  // After attempt number `attempt` (1 for the first) of a `method` request failed with `error`:
  // the delay before the next attempt, or nullopt to give up.
  std::optional<base::Clock::duration> next_delay(std::string_view method, const ApiError& error,
                                                  int attempt) {
    if (attempt >= options_.max_attempts || !should_retry(method, error)) return std::nullopt;
    base::Clock::duration delay = backoff_.next();
    if (const auto retry_after = error.retry_after()) {
      if (*retry_after > options_.max_retry_after) return std::nullopt;
      delay = std::max<base::Clock::duration>(delay, *retry_after);
    }
    return delay;
  }

  static bool should_retry(std::string_view method, const ApiError& error) {
    if (error.is_too_many_requests()) return true;
    if (!error.retryable()) return false;
    if (method != "POST") return true;
    return error.code() >= 500 && error.retry_after().has_value();
  }

 private:
  const RetryOptions options_;
  base::Backoff backoff_;
};

}  // namespace steward::kube
