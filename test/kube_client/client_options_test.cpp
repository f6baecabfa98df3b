// The API client's defaults, as issue #4 and the architecture guide state them.
#include <catch2/catch.hpp>

#include "kube/client.hpp"

using namespace std::chrono_literals;

TEST_CASE("the client throttles at 50 qps with bursts of 100 unless configured otherwise") {
  const steward::kube::ClientOptions options;
  CHECK(options.throttle.qps == 50);
  CHECK(options.throttle.burst == 100);
  // Adaptive under API Priority and Fairness, up to 5,000 when the user set no qps.
  CHECK(options.throttle.adaptive);
  CHECK_FALSE(options.throttle.qps_is_bound);
  CHECK(options.throttle.max_qps == 5000);
}

TEST_CASE("every call has deadlines: connect 10 s, request 60 s, idle 90 s, on a pool of 16") {
  const steward::kube::TransportOptions options;
  CHECK(options.connect_timeout == 10s);
  CHECK(options.request_timeout == 60s);
  CHECK(options.idle_timeout == 90s);
  CHECK(options.pool_size == 16);
}
