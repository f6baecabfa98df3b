#include <catch2/catch.hpp>

#include "kube/retry_policy.hpp"

using namespace std::chrono_literals;
using steward::base::FakeClock;
using steward::kube::ApiError;
using steward::kube::RetryOptions;
using steward::kube::RetryPolicy;

namespace {
RetryOptions no_jitter() {
  RetryOptions options;
  options.backoff.jitter = 0;
  return options;
}
ApiError status(int code, const char* retry_after = nullptr) {
  return ApiError::from_response(code, "", retry_after ? std::optional<std::string_view>(retry_after)
                                                       : std::nullopt);
}
}  // namespace

TEST_CASE("429 is retried for every method, honouring Retry-After") {
  FakeClock clock;
  RetryPolicy retry(no_jitter(), clock);
  CHECK(retry.next_delay("POST", status(429, "3"), 1) == 3s);
  CHECK(retry.next_delay("GET", status(429), 2) == 500ms);  // backoff when no Retry-After
}

TEST_CASE("5xx and lost connections are retried for repeatable methods only") {
  FakeClock clock;
  RetryPolicy retry(no_jitter(), clock);
  CHECK(retry.next_delay("GET", status(503), 1).has_value());
  CHECK(retry.next_delay("PATCH", status(500), 1).has_value());
  CHECK(retry.next_delay("DELETE", ApiError::transport_failure("reset"), 1).has_value());
  CHECK_FALSE(retry.next_delay("POST", status(500), 1).has_value());
  CHECK_FALSE(retry.next_delay("POST", ApiError::transport_failure("reset"), 1).has_value());
  CHECK(retry.next_delay("POST", status(503, "1"), 1).has_value());  // the server asked for it
  CHECK_FALSE(retry.next_delay("GET", status(501), 1).has_value());
}

TEST_CASE("client errors are not retried") {
  FakeClock clock;
  RetryPolicy retry(no_jitter(), clock);
  for (int code : {400, 401, 403, 404, 409, 410, 422}) {
    CHECK_FALSE(retry.next_delay("GET", status(code), 1).has_value());
  }
}

TEST_CASE("retries stop after max attempts and grow exponentially until then") {
  FakeClock clock;
  RetryPolicy retry(no_jitter(), clock);
  CHECK(retry.next_delay("GET", status(503), 1) == 250ms);
  CHECK(retry.next_delay("GET", status(503), 2) == 500ms);
  CHECK(retry.next_delay("GET", status(503), 3) == 1s);
  CHECK(retry.next_delay("GET", status(503), 4) == 2s);
  CHECK_FALSE(retry.next_delay("GET", status(503), 5).has_value());
}

TEST_CASE("a Retry-After beyond the cap fails the request instead of stalling it") {
  FakeClock clock;
  RetryPolicy retry(no_jitter(), clock);
  CHECK_FALSE(retry.next_delay("GET", status(429, "3600"), 1).has_value());
}
