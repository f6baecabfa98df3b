#include <catch2/catch.hpp>

#include <string>

#include "queue/rate_limiting_queue.hpp"

using namespace std::chrono_literals;
using steward::base::FakeClock;
using namespace steward::queue;

TEST_CASE("a key that keeps failing comes back after growing delays until forgotten") {
  FakeClock clock;
  RateLimitingQueue<std::string> q({.name = "", .registry = nullptr, .clock = &clock});

  q.add("a");
  REQUIRE(q.get() == "a");
  q.add_rate_limited("a");  // failed: back in 5 ms
  q.done("a");
  CHECK(q.num_requeues("a") == 1);
  CHECK(q.try_get() == std::nullopt);
  clock.advance(5ms);
  REQUIRE(q.try_get() == "a");

  q.add_rate_limited("a");  // failed again: back in 10 ms
  q.done("a");
  clock.advance(9ms);
  CHECK(q.try_get() == std::nullopt);
  clock.advance(1ms);
  REQUIRE(q.try_get() == "a");

  q.forget("a");  // succeeded
  q.done("a");
  CHECK(q.num_requeues("a") == 0);
  q.add_rate_limited("a");
  clock.advance(5ms);
  CHECK(q.try_get() == "a");
}

TEST_CASE("a custom limiter replaces the default") {
  FakeClock clock;
  RateLimitingQueue<std::string> q(
      {.name = "", .registry = nullptr, .clock = &clock},
      std::make_unique<ItemExponentialRateLimiter<std::string>>(
          ItemExponentialOptions{.base = 1s, .cap = 2s, .jitter = 0, .seed = 1}));
  q.add_rate_limited("a");
  q.add_rate_limited("b");
  q.add_rate_limited("b");  // 2 s, but b is still waiting for 1 s: earlier time kept
  clock.advance(1s);
  CHECK(q.try_get() == "a");
  CHECK(q.try_get() == "b");
}
