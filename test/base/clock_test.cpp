#include <catch2/catch.hpp>
#include <thread>

#include "base/clock.hpp"

using namespace std::chrono_literals;
using steward::base::FakeClock;

TEST_CASE("fake clock moves only when advanced") {
  FakeClock clock;
  const auto start = clock.now();
  CHECK(clock.now() == start);
  clock.advance(5s);
  CHECK(clock.now() - start == 5s);
}

TEST_CASE("fake clock wakes a thread waiting for a fake deadline when advanced") {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  const auto deadline = clock.now() + 1h;
  bool woke = false;
  std::thread waiter([&] {
    std::unique_lock lock(mu);
    while (clock.now() < deadline) clock.wait_until(cv, lock, deadline);
    woke = true;
  });
  // Wait (generously) until the waiter is parked, then move time past its deadline.
  for (int i = 0; i < 100000 && clock.waiters() == 0; ++i) std::this_thread::yield();
  clock.advance(1h);
  waiter.join();
  CHECK(woke);
}
