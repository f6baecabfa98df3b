#include <catch2/catch.hpp>

#include "base/backoff.hpp"
#include "base/token_bucket.hpp"

using namespace std::chrono_literals;
using steward::base::Backoff;
using steward::base::BackoffOptions;
using steward::base::FakeClock;
using steward::base::TokenBucket;

TEST_CASE("backoff doubles from its initial delay up to its cap") {
  FakeClock clock;
  Backoff backoff({.initial = 800ms, .max = 30s, .factor = 2, .jitter = 0, .reset_after = 2min},
                  clock);
  CHECK(backoff.next() == 800ms);
  CHECK(backoff.next() == 1600ms);
  CHECK(backoff.next() == 3200ms);
  CHECK(backoff.next() == 6400ms);
  CHECK(backoff.next() == 12800ms);
  CHECK(backoff.next() == 25600ms);
  CHECK(backoff.next() == 30s);
  CHECK(backoff.next() == 30s);
}

TEST_CASE("backoff starts over after a healthy stretch or an explicit reset") {
  FakeClock clock;
  Backoff backoff({.initial = 1s, .max = 30s, .factor = 2, .jitter = 0, .reset_after = 2min},
                  clock);
  backoff.next();
  backoff.next();
  clock.advance(2min - 1s);
  CHECK(backoff.next() == 4s);  // not healthy for long enough
  clock.advance(2min + 1s);
  CHECK(backoff.next() == 1s);
  backoff.next();
  backoff.reset();
  CHECK(backoff.next() == 1s);
}

TEST_CASE("backoff jitter stays within the fraction and spreads the delays") {
  FakeClock clock;
  BackoffOptions options{.initial = 1s, .max = 1s, .factor = 2, .jitter = 1.0, .seed = 7};
  Backoff backoff(options, clock);
  bool varied = false;
  auto first = backoff.next();
  for (int i = 0; i < 20; ++i) {
    auto delay = backoff.next();
    CHECK(delay >= 1s);
    CHECK(delay <= 2s);
    varied = varied || delay != first;
  }
  CHECK(varied);
}

TEST_CASE("token bucket: burst at once, then qps, tokens promised once") {
  FakeClock clock;
  TokenBucket bucket(50, 100, clock);
  for (int i = 0; i < 100; ++i) REQUIRE(bucket.reserve() == 0ms);
  CHECK(bucket.reserve() == 20ms);
  CHECK(bucket.reserve() == 40ms);
  clock.advance(40ms);
  CHECK(bucket.reserve() == 20ms);
}
