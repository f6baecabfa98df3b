#include <catch2/catch.hpp>

#include <string>

#include "queue/rate_limiter.hpp"

using namespace std::chrono_literals;
using steward::base::FakeClock;
using namespace steward::queue;

using Exponential = ItemExponentialRateLimiter<std::string>;
using Bucket = BucketRateLimiter<std::string>;

TEST_CASE("per-item exponential backoff doubles from 5 ms per failure of that key") {
  Exponential limiter;
  CHECK(limiter.when("a") == 5ms);
  CHECK(limiter.when("a") == 10ms);
  CHECK(limiter.when("a") == 20ms);
  CHECK(limiter.when("a") == 40ms);
  CHECK(limiter.when("b") == 5ms);  // another key has its own count
  CHECK(limiter.num_requeues("a") == 4);
  CHECK(limiter.num_requeues("b") == 1);
  CHECK(limiter.num_requeues("never-failed") == 0);
}

TEST_CASE("per-item exponential backoff is capped at 1000 s, even after very many failures") {
  Exponential limiter;
  Duration last{};
  for (int i = 0; i < 100; ++i) last = limiter.when("a");  // 5 ms * 2^99 would overflow
  CHECK(last == 1000s);
  // 5 ms * 2^17 = 655 s < cap < 2^18 * 5 ms: the cap first applies at the 19th failure.
  Exponential fresh;
  for (int i = 0; i < 18; ++i) fresh.when("a");
  CHECK(fresh.when("a") == 1000s);
}

TEST_CASE("forget resets a key's backoff") {
  Exponential limiter;
  limiter.when("a");
  limiter.when("a");
  limiter.forget("a");
  CHECK(limiter.num_requeues("a") == 0);
  CHECK(limiter.when("a") == 5ms);
}

TEST_CASE("jitter adds at most the given fraction, deterministically for a seed") {
  ItemExponentialOptions options{.base = 100ms, .cap = 1000s, .jitter = 0.5, .seed = 42};
  Exponential a(options);
  Exponential b(options);
  bool some_jitter = false;
  for (int i = 0; i < 10; ++i) {
    const Duration plain = 100ms * (1 << i);
    const Duration got = a.when("k");
    CHECK(got >= plain);
    CHECK(got <= plain + plain / 2);
    CHECK(b.when("k") == got);  // same seed, same delays
    some_jitter = some_jitter || got != plain;
  }
  CHECK(some_jitter);
}

TEST_CASE("token bucket allows the burst at once, then one key per 1/qps") {
  FakeClock clock;
  Bucket limiter({.qps = 10, .burst = 100}, clock);
  for (int i = 0; i < 100; ++i) REQUIRE(limiter.when("k" + std::to_string(i)) == 0ms);
  CHECK(limiter.when("x") == 100ms);
  CHECK(limiter.when("y") == 200ms);  // tokens promised to earlier callers are not handed out again
  clock.advance(1s);                  // 10 tokens flow in; 2 were already promised
  for (int i = 0; i < 8; ++i) REQUIRE(limiter.when("z") == 0ms);
  CHECK(limiter.when("z") == 100ms);
}

TEST_CASE("token bucket never holds more than its burst") {
  FakeClock clock;
  Bucket limiter({.qps = 10, .burst = 5}, clock);
  clock.advance(1h);
  for (int i = 0; i < 5; ++i) REQUIRE(limiter.when("k") == 0ms);
  CHECK(limiter.when("k") == 100ms);
}

TEST_CASE("max-of takes the longest delay and forgets in every limiter") {
  FakeClock clock;
  auto limiter = default_controller_rate_limiter<std::string>(clock);
  // The bucket's burst of 100 is spent first by distinct keys, each at its first (5 ms) failure.
  for (int i = 0; i < 100; ++i) REQUIRE(limiter->when("k" + std::to_string(i)) == 5ms);
  // Now the bucket dominates a fresh key's 5 ms.
  CHECK(limiter->when("fresh") == 100ms);
  // And exponential dominates a key that has failed often.
  for (int i = 0; i < 15; ++i) limiter->when("hot");
  CHECK(limiter->num_requeues("hot") == 15);
  clock.advance(1h);  // refill the bucket
  CHECK(limiter->when("hot") == 5ms * (1 << 15));
  limiter->forget("hot");
  CHECK(limiter->num_requeues("hot") == 0);
  CHECK(limiter->when("hot") == 5ms);
}
