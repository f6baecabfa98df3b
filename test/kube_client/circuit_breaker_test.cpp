#include <catch2/catch.hpp>

#include <vector>

#include "kube/circuit_breaker.hpp"

using namespace std::chrono_literals;
using steward::base::FakeClock;
using steward::kube::CircuitBreaker;
using State = CircuitBreaker::State;

namespace {
// Issue #4's fixed 30 s period, the default before issue #15.
const steward::kube::CircuitBreakerOptions kFixed30s{.open_for = 30s, .max_open_for = 30s};

void fail(CircuitBreaker& breaker, int times) {
  for (int i = 0; i < times; ++i) {
    REQUIRE(breaker.allow());
    breaker.record(false);
  }
}
}  // namespace

TEST_CASE("the defaults are issue 15's: 5 failures, open 1 s doubling to 30 s, 2 successes to close") {
  const steward::kube::CircuitBreakerOptions defaults;
  CHECK(defaults.failure_threshold == 5);
  CHECK(defaults.open_for == 1s);
  CHECK(defaults.max_open_for == 30s);
  CHECK(defaults.successes_to_close == 2);
}

TEST_CASE("the breaker opens after 5 consecutive failures and then fails fast") {
  FakeClock clock;
  CircuitBreaker breaker(kFixed30s, clock);
  fail(breaker, 4);
  CHECK(breaker.state() == State::closed);
  fail(breaker, 1);
  CHECK(breaker.state() == State::open);
  CHECK_FALSE(breaker.allow());
  clock.advance(29999ms);
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
  CircuitBreaker breaker(kFixed30s, clock);
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

TEST_CASE("with a fixed 30 s period a failed probe opens it for another 30 s") {
  FakeClock clock;
  CircuitBreaker breaker(kFixed30s, clock);
  fail(breaker, 5);
  std::vector<long> periods;
  for (int i = 0; i < 3; ++i) {
    periods.push_back(static_cast<long>(until_probe(clock, breaker).count()));
    breaker.record(false);
  }
  CHECK(periods == std::vector<long>{30000, 30000, 30000});
}

TEST_CASE("with the defaults each failed probe doubles the open period from 1 s, up to 30 s") {
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
  CircuitBreaker breaker({.open_for = 1s}, clock);
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
  CircuitBreaker breaker(kFixed30s, clock);
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

TEST_CASE("the state follows the doubled period, not the first one") {
  FakeClock clock;
  CircuitBreaker breaker({.open_for = 1s}, clock);
  fail(breaker, 5);
  clock.advance(1s);
  REQUIRE(breaker.allow());
  breaker.record(false);  // open again, for 2 s
  clock.advance(1s);
  CHECK(breaker.state() == State::open);
  CHECK_FALSE(breaker.allow());
  clock.advance(1s);
  CHECK(breaker.state() == State::half_open);
}

TEST_CASE("retry_in says how long a refused caller waits for the probe") {
  FakeClock clock;
  CircuitBreaker breaker(kFixed30s, clock);
  CHECK(breaker.retry_in() == 0s);  // closed
  fail(breaker, 5);
  CHECK(breaker.retry_in() == 30s);
  clock.advance(12s);
  CHECK(breaker.retry_in() == 18s);
  clock.advance(18s);
  CHECK(breaker.retry_in() == 0s);  // the next request is the probe
  REQUIRE(breaker.allow());
  CHECK_FALSE(breaker.allow());
  CHECK(breaker.retry_in() == 1s);  // the probe is out: ask again soon
  breaker.record(true);
  CHECK(breaker.retry_in() == 0s);  // half-open, no probe out: the second probe may go
}

TEST_CASE("the observer hears every move once, with the open period") {
  FakeClock clock;
  std::vector<CircuitBreaker::Transition> moves;
  CircuitBreaker breaker({.open_for = 1s}, clock,
                         [&](const CircuitBreaker::Transition& t) { moves.push_back(t); });
  fail(breaker, 5);
  CHECK_FALSE(breaker.allow());  // a refusal is no move
  clock.advance(1s);
  REQUIRE(breaker.allow());
  breaker.record(false);
  clock.advance(2s);
  REQUIRE(breaker.allow());
  breaker.record(true);
  REQUIRE(breaker.allow());
  breaker.record(true);
  REQUIRE(moves.size() == 5);
  CHECK((moves[0].from == State::closed && moves[0].to == State::open && moves[0].open_for == 1s));
  CHECK((moves[1].from == State::open && moves[1].to == State::half_open));
  CHECK((moves[2].from == State::half_open && moves[2].to == State::open &&
         moves[2].open_for == 2s));
  CHECK((moves[3].from == State::open && moves[3].to == State::half_open));
  CHECK((moves[4].from == State::half_open && moves[4].to == State::closed));
}
