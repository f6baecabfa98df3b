#include <catch2/catch.hpp>

#include <vector>

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
  clock.advance(999ms);
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

TEST_CASE("after 1 s one probe at a time, and two successes close it") {
  FakeClock clock;
  CircuitBreaker breaker({}, clock);
  fail(breaker, 5);
  clock.advance(1s);
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

namespace {
// The breaker is open: how long until it lets a probe through (1 ms steps, at most a minute).
std::chrono::milliseconds until_probe(FakeClock& clock, CircuitBreaker& breaker) {
  std::chrono::milliseconds waited{0};
  while (!breaker.allow() && waited < 60s) {
    clock.advance(1ms);
    waited += 1ms;
  }
  return waited;
}
}  // namespace

TEST_CASE("each failed probe doubles the open period, up to 30 s") {
  FakeClock clock;
  CircuitBreaker breaker({}, clock);
  fail(breaker, 5);
  std::vector<long> periods;
  for (int i = 0; i < 7; ++i) {
    periods.push_back(static_cast<long>(until_probe(clock, breaker).count()));
    REQUIRE(breaker.state() == State::half_open);
    breaker.record(false);
    REQUIRE(breaker.state() == State::open);
  }
  CHECK(periods == std::vector<long>{1000, 2000, 4000, 8000, 16000, 30000, 30000});
}

TEST_CASE("a breaker that closed again starts from the shortest open period") {
  FakeClock clock;
  CircuitBreaker breaker({}, clock);
  fail(breaker, 5);
  for (int i = 0; i < 3; ++i) {  // open periods of 1, 2 and 4 s
    until_probe(clock, breaker);
    breaker.record(false);
  }
  until_probe(clock, breaker);
  breaker.record(true);
  REQUIRE(breaker.allow());
  breaker.record(true);
  REQUIRE(breaker.state() == State::closed);
  fail(breaker, 5);
  CHECK(until_probe(clock, breaker) == 1s);
}

TEST_CASE("an open breaker reports half-open once its period has passed, before any request") {
  FakeClock clock;
  // A fixed 30 s period (issue #4's numbers), so "not yet" and "now" are far apart.
  CircuitBreaker breaker({.open_for = 30s, .max_open_for = 30s}, clock);
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
