// Informer over a scripted lister-watcher: has_synced, the replay to late handlers, resync, the
// order of events, and that handlers never run concurrently.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include <prometheus/registry.h>

#include "informer/informer.hpp"
#include "scripted_objects.hpp"
#include "support/fake_lister_watcher.hpp"

using namespace steward;
using namespace steward::informer;
using steward::test::FakeListerWatcher;
using steward::test::run_until;
using steward::test::cm;
using steward::test::event;
using steward::test::list_of;

namespace {

std::string rv_of(const ObjectPtr& o) {
  return std::string(kube::string_at(*o, {"metadata", "resourceVersion"}));
}

// "add ns/a@1", "update ns/a 1->2", "delete ns/a", in the order the handlers ran.
struct Recorder {
  std::vector<std::string> seen;
  ResourceEventHandlers handlers() {
    return {.on_add = [this](const ObjectPtr& o) { seen.push_back("add " + object_key(*o) + "@" + rv_of(o)); },
            .on_update =
                [this](const ObjectPtr& a, const ObjectPtr& b) {
                  seen.push_back("update " + object_key(*b) + " " + rv_of(a) + "->" + rv_of(b));
                },
            .on_delete = [this](const ObjectPtr& o) { seen.push_back("delete " + object_key(*o)); }};
  }
};

struct Fixture {
  boost::asio::io_context io;
  FakeListerWatcher* source = nullptr;
  std::shared_ptr<Informer> informer;

  prometheus::Registry registry;
  InformerMetrics metrics{registry};

  Fixture(FakeListerWatcher::ListFn list, std::chrono::seconds resync) {
    auto fake = std::make_unique<FakeListerWatcher>(io, std::move(list));
    source = fake.get();
    InformerOptions options;
    options.resync = resync;
    options.resource = "configmaps";
    options.metrics = &metrics;
    informer = std::make_shared<Informer>(io, std::move(fake), options);
  }
  ~Fixture() {
    informer->stop();
    io.restart();
    io.run_for(std::chrono::milliseconds(50));
  }
  // The value of `family`'s series whose labels include `label`=`value`; -1 when there is none.
  double metric(const std::string& family, const std::string& label = "resource",
                const std::string& value = "configmaps") const {
    for (const auto& f : registry.Collect()) {
      if (f.name != family) continue;
      for (const auto& m : f.metric) {
        for (const auto& l : m.label) {
          if (l.name == label && l.value == value) {
            return f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
          }
        }
      }
    }
    return -1;
  }
};

}  // namespace

TEST_CASE("has_synced turns true once the first list has reached the handlers") {
  Fixture f([](const kube::ListOptions&) { return list_of({cm("a", "1"), cm("b", "2")}, "5"); },
            std::chrono::seconds(0));
  Recorder recorder;
  f.informer->add_handlers(recorder.handlers());
  CHECK_FALSE(f.informer->has_synced());
  f.informer->start();
  CHECK(f.metric("steward_informer_synced") == 0);  // shown as not synced, not absent
  REQUIRE(run_until(f.io, [&] { return f.informer->has_synced(); }));
  CHECK(recorder.seen == std::vector<std::string>{"add ns/a@1", "add ns/b@2"});
  CHECK(f.informer->store().size() == 2);
  CHECK(f.metric("steward_informer_synced") == 1);
  CHECK(f.metric("steward_informer_objects") == 2);
}

TEST_CASE("events reach handlers in order, and a late handler first gets the cache as adds") {
  Fixture f([](const kube::ListOptions&) { return list_of({cm("a", "1")}, "5"); },
            std::chrono::seconds(0));
  Recorder early;
  f.informer->add_handlers(early.handlers());
  f.informer->start();
  REQUIRE(run_until(f.io, [&] { return !f.source->streams.empty(); }));
  f.source->streams.back()->push(event("ADDED", "b", "6"));
  f.source->streams.back()->push(event("MODIFIED", "a", "7"));
  REQUIRE(run_until(f.io, [&] { return early.seen.size() == 3; }));

  Recorder late;
  f.informer->add_handlers(late.handlers());
  REQUIRE(run_until(f.io, [&] { return late.seen.size() == 2; }));
  f.source->streams.back()->push(event("DELETED", "b", "8"));
  REQUIRE(run_until(f.io, [&] { return late.seen.size() == 3 && early.seen.size() == 4; }));

  CHECK(early.seen == std::vector<std::string>{"add ns/a@1", "add ns/b@6", "update ns/a 1->7",
                                               "delete ns/b"});
  CHECK(f.metric("steward_informer_events_total", "type", "ADDED") == 1);
  CHECK(f.metric("steward_informer_events_total", "type", "MODIFIED") == 1);
  CHECK(f.metric("steward_informer_events_total", "type", "DELETED") == 1);
  CHECK(f.metric("steward_informer_objects") == 1);
  // The replay (in the store's order, which is unspecified) comes before any event.
  std::sort(late.seen.begin(), late.seen.begin() + 2);
  CHECK(late.seen == std::vector<std::string>{"add ns/a@7", "add ns/b@6", "delete ns/b"});
}

TEST_CASE("a resync re-delivers every cached object as an update of itself") {
  Fixture f([](const kube::ListOptions&) { return list_of({cm("a", "1"), cm("b", "2")}, "5"); },
            std::chrono::seconds(1));
  Recorder recorder;
  f.informer->add_handlers(recorder.handlers());
  f.informer->start();
  REQUIRE(run_until(f.io, [&] { return recorder.seen.size() >= 4; }));
  recorder.seen.resize(4);
  std::sort(recorder.seen.begin() + 2, recorder.seen.end());  // the store's order is unspecified
  CHECK(recorder.seen == std::vector<std::string>{"add ns/a@1", "add ns/b@2", "update ns/a 1->1",
                                                  "update ns/b 2->2"});
  CHECK(f.source->lists.size() == 1);  // a resync is from the cache: no API call
}

TEST_CASE("handlers never run concurrently, even when a resync falls during a long delivery") {
  std::vector<std::shared_ptr<kube::Object>> items;
  for (int i = 0; i < 400; ++i) items.push_back(cm("o" + std::to_string(i), std::to_string(i + 1)));
  Fixture f([&](const kube::ListOptions&) { return list_of(items, "1000"); },
            std::chrono::seconds(1));
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  std::atomic<int> calls{0};
  auto enter = [&] {
    const int now = ++running;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    // Slow handlers: the 400 adds take longer than the 1 s resync period.
    std::this_thread::sleep_for(std::chrono::microseconds(3000));
    ++calls;
    --running;
  };
  f.informer->add_handlers({.on_add = [&](const ObjectPtr&) { enter(); },
                            .on_update = [&](const ObjectPtr&, const ObjectPtr&) { enter(); },
                            .on_delete = [&](const ObjectPtr&) { enter(); }});
  f.informer->start();
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] { f.io.run_for(std::chrono::seconds(20)); });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (calls.load() < 800 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  f.io.stop();
  for (auto& thread : threads) thread.join();
  CHECK(calls.load() >= 800);  // the list's adds and at least one resync's updates
  CHECK(most.load() == 1);
}

TEST_CASE("after stop() no handler call starts, and wait_for_handlers() waits for the running one") {
  Fixture f([](const kube::ListOptions&) { return list_of({cm("a", "1")}, "5"); },
            std::chrono::seconds(0));
  std::mutex mu;
  std::condition_variable changed;
  bool entered = false;
  bool released = false;
  bool waited = false;
  std::vector<std::string> order;
  int updates = 0;
  f.informer->add_handlers({.on_update = [&](const ObjectPtr&, const ObjectPtr&) {
    std::unique_lock lock(mu);
    ++updates;
    entered = true;
    changed.notify_all();
    changed.wait(lock, [&] { return released; });
    order.push_back("handler done");
  }});
  f.informer->start();
  REQUIRE(run_until(f.io, [&] { return f.informer->has_synced() && !f.source->streams.empty(); }));
  // Three events in one batch: the handler holds the first while the informer stops.
  f.source->streams.back()->push(event("MODIFIED", "a", "6"));
  f.source->streams.back()->push(event("MODIFIED", "a", "7"));
  f.source->streams.back()->push(event("MODIFIED", "a", "8"));
  f.io.restart();
  std::thread io_thread([&] { f.io.run_for(std::chrono::seconds(20)); });
  {
    std::unique_lock lock(mu);
    REQUIRE(changed.wait_for(lock, std::chrono::seconds(20), [&] { return entered; }));
  }
  f.informer->stop();
  // Releases the handler once wait_for_handlers() has returned, or after a while if it does not
  // return first (as it must not): so a wait that returns early is seen, not a hang.
  std::thread releaser([&] {
    std::unique_lock lock(mu);
    changed.wait_for(lock, std::chrono::milliseconds(300), [&] { return waited; });
    released = true;
    changed.notify_all();
  });
  f.informer->wait_for_handlers();
  {
    std::lock_guard lock(mu);
    order.push_back("wait returned");
    waited = true;
    changed.notify_all();
  }
  releaser.join();
  f.io.stop();
  io_thread.join();
  CHECK(order == std::vector<std::string>{"handler done", "wait returned"});
  CHECK(updates == 1);  // the two events after the held one are not delivered
}

TEST_CASE("a thousand informers share one thread: none starts a thread of its own") {
  const auto threads = [] {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) ++n;
    return n;
  };
  boost::asio::io_context io;
  const std::size_t before = threads();
  std::vector<std::shared_ptr<Informer>> informers;
  std::vector<FakeListerWatcher*> sources;
  for (int i = 0; i < 1000; ++i) {
    auto fake = std::make_unique<FakeListerWatcher>(
        io, [i](const kube::ListOptions&) { return list_of({cm("o" + std::to_string(i), "1")}, "2"); });
    sources.push_back(fake.get());
    InformerOptions options;
    options.resync = std::chrono::seconds(600);
    informers.push_back(std::make_shared<Informer>(io, std::move(fake), options));
    informers.back()->start();
  }
  REQUIRE(run_until(io, [&] {
    return std::all_of(informers.begin(), informers.end(),
                       [](const auto& informer) { return informer->has_synced(); }) &&
           std::all_of(sources.begin(), sources.end(),
                       [](const auto* source) { return !source->streams.empty(); });
  }));
  CHECK(threads() == before);  // a thousand lists and watches, all on this test's one thread
  for (auto& informer : informers) informer->stop();
  io.restart();
  io.run_for(std::chrono::milliseconds(200));
}
