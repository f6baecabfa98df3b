#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "queue/work_queue.hpp"

using namespace std::chrono_literals;
using steward::base::FakeClock;
using Queue = steward::queue::WorkQueue<std::string>;

namespace {
Queue fake_queue(FakeClock& clock) { return Queue({.name = "", .registry = nullptr, .clock = &clock}); }
}  // namespace

TEST_CASE("a key added twice while queued is handed out once") {
  Queue q;
  q.add("a");
  q.add("b");
  q.add("a");
  CHECK(q.len() == 2);
  CHECK(q.get() == "a");
  CHECK(q.get() == "b");
  CHECK(q.len() == 0);
  CHECK(q.try_get() == std::nullopt);
}

TEST_CASE("keys come out in the order they were first added") {
  Queue q;
  for (auto key : {"c", "a", "b", "a", "c"}) q.add(key);
  CHECK(q.get() == "c");
  CHECK(q.get() == "a");
  CHECK(q.get() == "b");
}

TEST_CASE("a key re-added while processing is held back and re-queued after done") {
  Queue q;
  q.add("a");
  REQUIRE(q.get() == "a");
  q.add("a");
  q.add("a");
  CHECK(q.len() == 0);  // not handed to a second worker while the first holds it
  CHECK(q.try_get() == std::nullopt);
  q.done("a");
  CHECK(q.len() == 1);  // once, however often it was re-added
  CHECK(q.get() == "a");
  q.done("a");
  CHECK(q.len() == 0);
}

// "Is everything done?" (steward's in-sync status, `--once`) must not be answered yes while a
// worker holds a key it took from get() but has not finished.
TEST_CASE("the queue is busy from add until done, the time a worker holds the key included") {
  Queue q;
  CHECK_FALSE(q.busy());
  q.add("a");
  CHECK(q.busy());
  REQUIRE(q.get() == "a");
  CHECK(q.len() == 0);
  CHECK(q.busy());
  q.done("a");
  CHECK_FALSE(q.busy());
  FakeClock clock;
  Queue delayed = fake_queue(clock);
  delayed.add_after("b", 1s);  // waiting for its time: not busy, the caller tracks why it waits
  CHECK_FALSE(delayed.busy());
}

TEST_CASE("done of a key that was not re-added forgets it") {
  Queue q;
  q.add("a");
  REQUIRE(q.get() == "a");
  q.done("a");
  q.done("a");  // a second done is harmless
  CHECK(q.len() == 0);
  q.add("a");  // and the key can come back later
  CHECK(q.get() == "a");
}

TEST_CASE("no key is ever processed by two workers at once") {
  Queue q;
  constexpr int kWorkers = 4;
  constexpr int kKeys = 8;
  constexpr int kAdds = 20000;
  std::mutex mu;
  std::unordered_set<std::string> in_flight;  // guarded by mu
  std::atomic<int> overlaps{0};
  std::atomic<int> processed{0};

  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.get()) {
        {
          std::lock_guard guard(mu);
          if (!in_flight.insert(*key).second) ++overlaps;
        }
        std::this_thread::yield();  // widen the window in which a second worker could collide
        {
          std::lock_guard guard(mu);
          in_flight.erase(*key);
        }
        ++processed;
        q.done(*key);
      }
    });
  }
  for (int i = 0; i < kAdds; ++i) q.add("key-" + std::to_string(i % kKeys));
  q.shutdown_with_drain();
  for (auto& worker : workers) worker.join();

  CHECK(overlaps == 0);
  CHECK(processed >= kKeys);   // every key at least once
  CHECK(processed <= kAdds);   // de-duplication never invents work
  CHECK(q.len() == 0);
}

TEST_CASE("a delayed key becomes ready only when its delay has passed") {
  FakeClock clock;
  auto q = fake_queue(clock);
  q.add_after("a", 10s);
  CHECK(q.delayed_len() == 1);
  CHECK(q.try_get() == std::nullopt);
  clock.advance(9s);
  CHECK(q.try_get() == std::nullopt);
  clock.advance(1s);
  CHECK(q.try_get() == "a");
  CHECK(q.delayed_len() == 0);
}

TEST_CASE("a zero or negative delay adds at once") {
  FakeClock clock;
  auto q = fake_queue(clock);
  q.add_after("a", 0s);
  q.add_after("b", -1s);
  CHECK(q.len() == 2);
}

TEST_CASE("delayed keys become ready in the order of their ready times") {
  FakeClock clock;
  auto q = fake_queue(clock);
  q.add_after("a", 3s);
  q.add_after("b", 1s);
  q.add_after("c", 2s);
  clock.advance(3s);
  CHECK(q.try_get() == "b");
  CHECK(q.try_get() == "c");
  CHECK(q.try_get() == "a");
}

TEST_CASE("a key delayed twice keeps the earlier ready time and is added once") {
  FakeClock clock;
  auto q = fake_queue(clock);
  SECTION("later then earlier") {
    q.add_after("a", 10s);
    q.add_after("a", 5s);
  }
  SECTION("earlier then later") {
    q.add_after("a", 5s);
    q.add_after("a", 10s);
  }
  CHECK(q.delayed_len() == 1);
  clock.advance(5s);
  REQUIRE(q.try_get() == "a");
  q.done("a");
  clock.advance(10s);
  CHECK(q.try_get() == std::nullopt);  // the superseded 10 s entry does not add it again
}

TEST_CASE("a delayed key that is already queued when due is not queued twice") {
  FakeClock clock;
  auto q = fake_queue(clock);
  q.add("a");
  q.add_after("a", 1s);
  clock.advance(1s);
  CHECK(q.try_get() == "a");
  CHECK(q.try_get() == std::nullopt);
}

TEST_CASE("a worker blocked in get wakes when its delayed key falls due") {
  FakeClock clock;
  auto q = fake_queue(clock);
  q.add_after("a", 1min);
  std::optional<std::string> got;
  std::thread worker([&] { got = q.get(); });
  for (int i = 0; i < 100000 && clock.waiters() == 0; ++i) std::this_thread::yield();
  clock.advance(1min);
  worker.join();
  CHECK(got == "a");
}

TEST_CASE("a worker blocked in get wakes for a key added later") {
  Queue q;
  std::optional<std::string> got;
  std::thread worker([&] { got = q.get(); });
  q.add("a");
  worker.join();
  CHECK(got == "a");
}

TEST_CASE("shutdown wakes every blocked worker and ignores later adds") {
  Queue q;
  std::atomic<int> woke{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 3; ++i) {
    workers.emplace_back([&] {
      if (!q.get()) ++woke;
    });
  }
  q.shutdown();
  for (auto& worker : workers) worker.join();
  CHECK(woke == 3);
  CHECK(q.shutting_down());
  q.add("a");
  q.add_after("b", 0s);
  CHECK(q.len() == 0);
  CHECK(q.get() == std::nullopt);
}

TEST_CASE("after shutdown, keys already queued are still handed out, delayed ones are dropped") {
  FakeClock clock;
  auto q = fake_queue(clock);
  q.add("a");
  q.add_after("b", 1s);
  q.shutdown();
  clock.advance(1s);
  CHECK(q.get() == "a");
  CHECK(q.get() == std::nullopt);
}

TEST_CASE("shutdown_with_drain returns only after in-flight keys are done") {
  Queue q;
  q.add("a");
  q.add("b");
  REQUIRE(q.get() == "a");
  REQUIRE(q.get() == "b");

  std::atomic<int> done_calls{0};
  std::atomic<int> done_calls_seen_by_drain{-1};
  std::thread drainer([&] {
    q.shutdown_with_drain();
    done_calls_seen_by_drain = done_calls.load();
  });
  // The drainer cannot return before both done() calls, whenever it runs.
  ++done_calls;
  q.done("a");
  ++done_calls;
  q.done("b");
  drainer.join();
  CHECK(done_calls_seen_by_drain == 2);
  CHECK(q.shutting_down());
}

TEST_CASE("shutdown_with_drain with nothing in flight returns at once") {
  Queue q;
  q.add("a");
  q.shutdown_with_drain();
  CHECK(q.shutting_down());
}

TEST_CASE("longest_processing is the age of the oldest key in flight, zero when none is") {
  FakeClock clock;
  auto q = fake_queue(clock);
  CHECK(q.longest_processing() == std::chrono::steady_clock::duration::zero());
  q.add("a");
  q.add("b");
  const auto a = q.try_get();
  REQUIRE(a);
  clock.advance(5s);
  const auto b = q.try_get();
  REQUIRE(b);
  clock.advance(2s);
  CHECK(q.longest_processing() == 7s);  // "a", though "b" started later
  q.done(*a);
  CHECK(q.longest_processing() == 2s);
  q.done(*b);
  CHECK(q.longest_processing() == std::chrono::steady_clock::duration::zero());
}
