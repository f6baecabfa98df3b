// The API client's throttle (kube/client_throttle.hpp, issue 24): fixed without API Priority and
// Fairness; with it, up while demand is above the limit, halved on a 429 with a pause for
// Retry-After, down on rising latency, never above a qps the user set. A fake clock drives the
// windows.
#include <catch2/catch.hpp>

#include "base/clock.hpp"
#include "kube/client_throttle.hpp"

using steward::base::FakeClock;
using steward::kube::ClientThrottle;
using steward::kube::ThrottleOptions;
using namespace std::chrono_literals;

namespace {

using Answer = ClientThrottle::Answer;

Answer ok(std::chrono::milliseconds latency = 5ms, bool apf = true) {
  return {.status = 200, .priority_and_fairness = apf, .verb = "apply", .latency = latency};
}

// One window of demand above the limit: requests until one is made to wait (and at least 10,
// enough to judge latency), each answered; then the window's second passes.
void busy_window(ClientThrottle& throttle, FakeClock& clock,
                 std::chrono::milliseconds latency = 5ms) {
  bool waited = false;
  for (int n = 0; !waited || n < 10; ++n) {
    waited = throttle.reserve() > 0ms || waited;
    throttle.observe(ok(latency));
  }
  clock.advance(1s);
}

}  // namespace

TEST_CASE("throttle: fixed until the server shows API Priority and Fairness") {
  FakeClock clock;
  ClientThrottle throttle({.qps = 50, .burst = 100}, clock);
  for (int i = 0; i < 5; ++i) {
    for (int r = 0; r < 200; ++r) {
      (void)throttle.reserve();
      throttle.observe(ok(5ms, /*apf=*/false));
    }
    clock.advance(1s);
  }
  CHECK_FALSE(throttle.adaptive());
  CHECK(throttle.limit() == 50);
  // adaptive: false keeps it fixed even then.
  ClientThrottle fixed({.qps = 50, .burst = 100, .adaptive = false}, clock);
  for (int i = 0; i < 3; ++i) busy_window(fixed, clock);
  CHECK_FALSE(fixed.adaptive());
  CHECK(fixed.limit() == 50);
}

TEST_CASE("throttle: under APF it doubles while demand is above it, and only then") {
  FakeClock clock;
  ClientThrottle throttle({.qps = 50, .burst = 100}, clock);
  busy_window(throttle, clock);
  CHECK(throttle.adaptive());
  busy_window(throttle, clock);  // judged at the first call of the next window
  CHECK(throttle.limit() == 100);
  busy_window(throttle, clock);
  busy_window(throttle, clock);
  CHECK(throttle.limit() == 400);
  // Idle windows (a request now and then, never made to wait) leave it where it is.
  for (int i = 0; i < 5; ++i) {
    (void)throttle.reserve();
    throttle.observe(ok());
    clock.advance(1s);
  }
  CHECK(throttle.limit() == 800);  // the busy window before the idle ones still counted
  (void)throttle.reserve();
  CHECK(throttle.limit() == 800);
}

TEST_CASE("throttle: a 429 halves it, pauses for Retry-After, and ends the doubling") {
  FakeClock clock;
  ClientThrottle throttle({.qps = 50, .burst = 100}, clock);
  for (int i = 0; i < 3; ++i) busy_window(throttle, clock);
  (void)throttle.reserve();
  REQUIRE(throttle.limit() == 400);
  throttle.observe({.status = 429, .priority_and_fairness = true, .verb = "apply",
                    .retry_after = 3s});
  CHECK(throttle.limit() == 200);
  // A second 429 within a second does not halve again (they were in flight together).
  throttle.observe({.status = 429, .priority_and_fairness = true, .verb = "apply"});
  CHECK(throttle.limit() == 200);
  // Nothing goes out until Retry-After has passed.
  CHECK(throttle.reserve() >= 2900ms);
  clock.advance(3s);
  // From now on additive, 25 a second: 6.25 for each window with demand above the limit (the one
  // of the 429, whose requests waited out the pause, and two more).
  busy_window(throttle, clock);
  busy_window(throttle, clock);
  (void)throttle.reserve();
  CHECK(throttle.limit() == Approx(218.75));
}

TEST_CASE("throttle: rising latency brings it down by 30%") {
  FakeClock clock;
  ClientThrottle throttle({.qps = 50, .burst = 100}, clock);
  for (int i = 0; i < 3; ++i) busy_window(throttle, clock, 5ms);  // baseline 5 ms
  (void)throttle.reserve();
  REQUIRE(throttle.limit() == 400);
  busy_window(throttle, clock, 200ms);  // queued by the server
  (void)throttle.reserve();
  CHECK(throttle.limit() == Approx(280));
  // Latency within twice the baseline, or within 50 ms of it, is not congestion: additive again.
  busy_window(throttle, clock, 9ms);
  busy_window(throttle, clock, 40ms);
  (void)throttle.reserve();
  CHECK(throttle.limit() == Approx(292.5));
}

TEST_CASE("throttle: a qps the user set is its ceiling, a burst the user set stays") {
  FakeClock clock;
  ClientThrottle throttle({.qps = 80, .burst = 10, .qps_is_bound = true, .burst_is_bound = true},
                          clock);
  for (int i = 0; i < 6; ++i) busy_window(throttle, clock);
  (void)throttle.reserve();
  CHECK(throttle.adaptive());
  CHECK(throttle.limit() == 80);
  // Down on a 429 all the same, and back up to the bound, not beyond.
  throttle.observe({.status = 429, .priority_and_fairness = true, .verb = "apply"});
  CHECK(throttle.limit() == 40);
  clock.advance(1s);
  for (int i = 0; i < 10; ++i) busy_window(throttle, clock);
  (void)throttle.reserve();
  CHECK(throttle.limit() == 80);
  // The bound burst: after a quiet second, 10 at once, the 11th waits.
  clock.advance(2s);
  for (int i = 0; i < 10; ++i) CHECK(throttle.reserve() == 0ms);
  CHECK(throttle.reserve() > 0ms);
}

TEST_CASE("throttle: unbound, it stops at max_qps and never drops below 5") {
  FakeClock clock;
  ClientThrottle throttle({.qps = 50, .burst = 100, .max_qps = 300}, clock);
  for (int i = 0; i < 6; ++i) busy_window(throttle, clock);
  (void)throttle.reserve();
  CHECK(throttle.limit() == 300);
  for (int i = 0; i < 12; ++i) {
    throttle.observe({.status = 429, .priority_and_fairness = true, .verb = "apply"});
    clock.advance(1s);
    (void)throttle.reserve();
  }
  CHECK(throttle.limit() == 5);
}
