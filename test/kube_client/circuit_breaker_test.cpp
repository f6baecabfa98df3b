#include <catch2/catch.hpp>

#include "kube/circuit_breaker.hpp"

using namespace std::chrono_literals;
using steward::base::FakeClock;
using steward::kube::CircuitBreaker;
using State = CircuitBreaker::State;

namespace {
void fail(CircuitBreaker& breaker, int times) {
  for (int i = 0; i < times; ++i) {
    REQUIRE(breaker.allow());
    breaker.record(false);
  }
}
}  // namespace

TEST_CASE("the breaker opens after 5 consecutive failures and then fails fast") {
  FakeClock clock;
  CircuitBreaker breaker({}, clock);
  fail(breaker, 4);
  CHECK(breaker.state() == State::closed);
  fail(breaker, 1);
  CHECK(breaker.state() == State::open);
  CHECK_FALSE(breaker.allow());
  clock.advance(29s);
  CHECK_FALSE(breaker.allow());
}

TEST_CASE("a success in between resets the failure count") {
  FakeClock clock;
  CircuitBreaker breaker({}, clock);
  fail(breaker, 4);
  REQUIRE(breaker.allow());
  breaker.record(true);
  fail(breaker, 4);
  CHECK(breaker.state() == State::closed);
}

TEST_CASE("after 30 s one probe at a time, and two successes close it") {
  FakeClock clock;
  CircuitBreaker breaker({}, clock);
  fail(breaker, 5);
  clock.advance(30s);
  REQUIRE(breaker.allow());  // the probe
  CHECK(breaker.state() == State::half_open);
  CHECK_FALSE(breaker.allow());  // a second request while the probe is out
  breaker.record(true);
  CHECK(breaker.state() == State::half_open);
  REQUIRE(breaker.allow());
  breaker.record(true);
  CHECK(breaker.state() == State::closed);
  CHECK(breaker.allow());
}

TEST_CASE("a failed probe opens the breaker for another full period") {
  FakeClock clock;
  CircuitBreaker breaker({}, clock);
  fail(breaker, 5);
  clock.advance(30s);
  REQUIRE(breaker.allow());
  breaker.record(false);
  CHECK(breaker.state() == State::open);
  clock.advance(29s);
  CHECK_FALSE(breaker.allow());
  clock.advance(1s);
  CHECK(breaker.allow());
}

TEST_CASE("an open breaker reports half-open once its period has passed, before any request") {
  FakeClock clock;
  CircuitBreaker breaker({}, clock);
  fail(breaker, 5);
  clock.advance(29s);
  CHECK(breaker.state() == State::open);
  clock.advance(1s);
  CHECK(breaker.state() == State::half_open);  // what a gauge read now must show
  // Reading the state changed nothing: the next request is still the one probe.
  REQUIRE(breaker.allow());
  CHECK_FALSE(breaker.allow());
  breaker.record(false);
  CHECK(breaker.state() == State::open);
}
