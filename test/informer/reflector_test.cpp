#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "support/fake_lister_watcher.hpp"
#include "informer/reflector.hpp"
#include "scripted_objects.hpp"

using namespace steward;
using namespace steward::informer;
using steward::test::FakeListerWatcher;
using steward::test::run_until;
using steward::test::cm;
using steward::test::event;
using steward::test::list_of;

namespace {

// Records what the reflector reports, as "add ns/a", "update ns/a 1->2", "delete ns/a".
struct RecordingSink : EventSink {
  std::vector<std::string> seen;
  std::vector<std::string> restarts;
  bool synced = false;
  static std::string rv(const ObjectPtr& o) {
    return std::string(kube::string_at(*o, {"metadata", "resourceVersion"}));
  }
  void on_add(const ObjectPtr& o) override { seen.push_back("add " + object_key(*o)); }
  void on_update(const ObjectPtr& a, const ObjectPtr& b) override {
    seen.push_back("update " + object_key(*b) + " " + rv(a) + "->" + rv(b));
  }
  void on_delete(const ObjectPtr& o) override { seen.push_back("delete " + object_key(*o)); }
  void on_synced() override { synced = true; }
  void on_watch_event(std::string_view) override {}
  void on_watch_restart(std::string_view reason) override { restarts.emplace_back(reason); }
  std::vector<std::string> health;  // "unhealthy: DETAIL", "healthy"
  void on_health_change(bool healthy, std::string_view detail) override {
    health.push_back(healthy ? std::string("healthy") : "unhealthy: " + std::string(detail));
  }
};

struct Fixture {
  boost::asio::io_context io;
  Store store;
  RecordingSink sink;
  FakeListerWatcher* source = nullptr;
  std::unique_ptr<Reflector> reflector;
  bool finished = false;

  explicit Fixture(FakeListerWatcher::ListFn list_fn,
                   std::chrono::milliseconds backoff = std::chrono::milliseconds(1),
                   const base::Clock* clock = &base::SteadyClock::instance(),
                   std::chrono::milliseconds watch_idle_timeout =
                       ReflectorOptions{}.watch_idle_timeout) {
    auto fake = std::make_unique<FakeListerWatcher>(io, std::move(list_fn));
    source = fake.get();
    ReflectorOptions options;
    options.backoff.initial = backoff;
    options.backoff.max = 2 * backoff;
    options.seed = 1;
    options.clock = clock;
    options.watch_idle_timeout = watch_idle_timeout;
    reflector = std::make_unique<Reflector>(std::move(fake), store, sink, options);
    boost::asio::co_spawn(io, reflector->run(), [this](std::exception_ptr) { finished = true; });
  }
  ~Fixture() {
    reflector->stop();
    run_until(io, [&] { return finished; });
  }
  bool watching(std::size_t watches) {
    return run_until(io, [&] {
      return source->streams.size() >= watches && reflector->state() == Reflector::State::watching;
    });
  }
};

constexpr auto kExpired =
    R"json({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 6 (25)","reason":"Expired","code":410}})json";

kube::ListReply failed_list(int code, const std::string& status) {
  kube::ListReply reply;
  reply.error = kube::ApiError::from_response(code, status);
  return reply;
}

}  // namespace

TEST_CASE("lists from the watch cache, then watches from the list's version") {
  Fixture f([](const kube::ListOptions&) { return list_of({cm("a", "5"), cm("b", "6")}, "10"); });
  REQUIRE(f.watching(1));
  CHECK(f.source->lists.at(0).resource_version == "0");
  CHECK(f.source->lists.at(0).limit == 500);
  CHECK(f.sink.synced);
  CHECK(f.sink.seen == std::vector<std::string>{"add ns/a", "add ns/b"});
  CHECK(f.source->watches.at(0).resource_version == "10");
  CHECK(f.source->watches.at(0).allow_bookmarks);
  const auto timeout = f.source->watches.at(0).timeout.count();
  CHECK(timeout >= 300);
  CHECK(timeout <= 600);
}

TEST_CASE("watch events update the store and reach the sink in order") {
  Fixture f([](const kube::ListOptions&) { return list_of({cm("a", "5"), cm("b", "6")}, "10"); });
  REQUIRE(f.watching(1));
  f.sink.seen.clear();
  auto* stream = f.source->streams.back();
  stream->push(event("ADDED", "c", "11"));
  stream->push(event("MODIFIED", "a", "12"));
  stream->push(event("DELETED", "b", "13"));
  REQUIRE(run_until(f.io, [&] { return f.sink.seen.size() == 3; }));
  CHECK(f.sink.seen ==
        std::vector<std::string>{"add ns/c", "update ns/a 5->12", "delete ns/b"});
  CHECK(f.store.size() == 2);
  CHECK(f.store.get("ns/b") == nullptr);
  CHECK(f.reflector->last_resource_version() == "13");
}

TEST_CASE("a watch that ends resumes from the last bookmark without re-listing") {
  Fixture f([](const kube::ListOptions&) { return list_of({}, "10"); });
  REQUIRE(f.watching(1));
  f.source->streams.back()->push(
      R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"20"}}})");
  f.source->streams.back()->end();
  REQUIRE(f.watching(2));
  CHECK(f.source->lists.size() == 1);
  CHECK(f.source->watches.at(1).resource_version == "20");
  CHECK(f.sink.restarts == std::vector<std::string>{"timeout"});
}

TEST_CASE("a watch silent past its idle deadline resumes at once from its version, no relist") {
  // A backoff of an hour: a watch that backed off would not come back within the test.
  Fixture f([](const kube::ListOptions&) { return list_of({}, "10"); }, std::chrono::hours(1),
            &base::SteadyClock::instance(), std::chrono::milliseconds(300));
  REQUIRE(f.watching(1));
  CHECK(f.source->watches.at(0).idle_timeout == std::chrono::milliseconds(300));
  f.source->streams.back()->push(
      R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"20"}}})");
  // Then nothing: the connection is as good as cut.
  REQUIRE(f.watching(2));
  CHECK(f.source->lists.size() == 1);
  CHECK(f.source->watches.at(1).resource_version == "20");
  // Every later watch hears nothing either: each is an idle restart, never a failure (these end
  // within 1 s without an event, yet are not "closed by the server at once").
  REQUIRE_FALSE(f.sink.restarts.empty());
  for (const auto& reason : f.sink.restarts) CHECK(reason == "idle");
  CHECK(f.reflector->health().healthy);
  CHECK(f.reflector->health().last_error.empty());
  CHECK(f.sink.health.empty());
}

TEST_CASE("410 Gone re-lists at the last version and emits deletes for what vanished") {
  int lists = 0;
  Fixture f([&](const kube::ListOptions&) {
    return ++lists == 1 ? list_of({cm("a", "5"), cm("b", "6")}, "10")
                        : list_of({cm("b", "6"), cm("d", "30")}, "31");
  });
  REQUIRE(f.watching(1));
  f.source->streams.back()->push(event("MODIFIED", "b", "6"));  // nothing new; sets version 6
  f.source->streams.back()->push(
      R"json({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 6 (25)","reason":"Expired","code":410}})json");
  REQUIRE(f.watching(2));
  CHECK(f.source->lists.at(1).resource_version == "6");  // from the watch cache, not ""
  // Without a limit: with one the apiserver reads etcd exactly at 6 (and answers 6 again).
  CHECK(f.source->lists.at(1).limit == 0);
  CHECK(f.sink.restarts == std::vector<std::string>{"gone"});
  CHECK(f.sink.seen == std::vector<std::string>{"add ns/a", "add ns/b", "update ns/b 6->6",
                                                "delete ns/a", "add ns/d"});
  CHECK(f.store.size() == 2);
  CHECK(f.source->watches.at(1).resource_version == "31");
}

TEST_CASE("a re-list that is itself too old falls back to a consistent read") {
  int lists = 0;
  Fixture f([&](const kube::ListOptions& options) {
    ++lists;
    if (lists == 2) {
      kube::ListReply gone;
      gone.error = kube::ApiError::from_response(410, R"({"kind":"Status","code":410,"reason":"Expired"})");
      return gone;
    }
    return list_of({}, lists == 1 ? "10" : "40");
    (void)options;
  });
  REQUIRE(f.watching(1));
  f.source->streams.back()->push(
      R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410}})");
  REQUIRE(f.watching(2));
  REQUIRE(f.source->lists.size() == 3);
  CHECK(f.source->lists.at(1).resource_version == "10");
  CHECK(f.source->lists.at(2).resource_version.empty());
  CHECK(f.source->lists.at(2).limit == 500);  // etcd, in pages
  CHECK(f.source->watches.at(1).resource_version == "40");
}

TEST_CASE("a relist at a version the server has not reached falls back to a consistent read") {
  int lists = 0;
  Fixture f([&](const kube::ListOptions&) {
    if (++lists == 2) {
      // What the watch cache answers after waiting 3 s for a version it never reached.
      return failed_list(504, R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too large resource version: 50, current: 40","reason":"Timeout","details":{"causes":[{"reason":"ResourceVersionTooLarge","message":"Too large resource version"}],"retryAfterSeconds":1},"code":504})");
    }
    return list_of({}, lists == 1 ? "50" : "41");
  });
  REQUIRE(f.watching(1));
  f.source->streams.back()->push(kExpired);
  REQUIRE(f.watching(2));
  REQUIRE(f.source->lists.size() == 3);
  CHECK(f.source->lists.at(1).resource_version == "50");
  CHECK(f.source->lists.at(2).resource_version.empty());
  CHECK(f.source->watches.at(1).resource_version == "41");
}

TEST_CASE("after a consistent read the next relist asks the watch cache again") {
  int lists = 0;
  Fixture f([&](const kube::ListOptions&) {
    if (++lists == 2) return failed_list(410, R"({"kind":"Status","code":410,"reason":"Expired"})");
    return list_of({}, std::to_string(10 * lists));
  });
  REQUIRE(f.watching(1));
  f.source->streams.back()->push(kExpired);
  REQUIRE(f.watching(2));  // lists "10", then "" (answers 30)
  f.source->streams.back()->push(kExpired);
  REQUIRE(f.watching(3));
  REQUIRE(f.source->lists.size() == 4);
  CHECK(f.source->lists.at(3).resource_version == "30");
  CHECK(f.source->lists.at(3).limit == 0);
}

TEST_CASE("a server that paged the first list is relisted in pages too") {
  int lists = 0;
  Fixture f([&](const kube::ListOptions& options) {
    ++lists;
    // The first list's first page says more remain: the watch cache is off for this type.
    if (lists == 1 && options.continue_token.empty()) {
      auto page = list_of({cm("a", "5")}, "10");
      page.continue_token = "next";
      return page;
    }
    return list_of({cm("b", "6")}, "10");
  });
  REQUIRE(f.watching(1));
  CHECK(f.source->lists.at(0).limit == 500);
  CHECK(f.source->lists.at(1).continue_token == "next");
  f.source->streams.back()->push(kExpired);
  REQUIRE(f.watching(2));
  REQUIRE(f.source->lists.size() == 3);
  CHECK(f.source->lists.at(2).resource_version == "10");
  CHECK(f.source->lists.at(2).limit == 500);
}

TEST_CASE("a watch that ends in 410 relists only after a backoff") {
  // A minute's backoff: the relist waits for it. Relisting at once after every 410 is what made
  // steward loop 25 times a second against a restarted kube-apiserver (issue #15).
  Fixture f([](const kube::ListOptions&) { return list_of({}, "10"); }, std::chrono::minutes(1));
  REQUIRE(f.watching(1));
  f.source->streams.back()->push(kExpired);
  REQUIRE(run_until(f.io, [&] {
    return f.reflector->state() == Reflector::State::backing_off || f.source->lists.size() > 1;
  }));
  CHECK(f.source->lists.size() == 1);
  CHECK(f.sink.restarts == std::vector<std::string>{"gone"});
}

TEST_CASE("a watch that cannot be opened is retried after a backoff, without re-listing") {
  Fixture f([](const kube::ListOptions&) { return list_of({}, "10"); });
  REQUIRE(f.watching(1));
  f.source->fail_next_watch = kube::ApiError::transport_failure("connection refused");
  f.source->streams.back()->fail();
  REQUIRE(f.watching(2));
  // The broken stream, then the refused watch, each cost a restart; the third watch works.
  REQUIRE(run_until(f.io, [&] { return f.source->watches.size() == 3; }));
  CHECK(f.source->lists.size() == 1);
  CHECK(f.source->watches.at(2).resource_version == "10");
  CHECK(f.sink.restarts == std::vector<std::string>{"error", "error"});
}

TEST_CASE("a list or watch the circuit breaker refused waits for the breaker, not the backoff") {
  const auto refused = [] {
    return kube::ApiError::circuit_open("circuit breaker open", std::chrono::milliseconds(50));
  };
  int lists = 0;
  // A backoff of a minute: were either retry to wait on it, the 20 s deadline below would pass.
  Fixture f(
      [&](const kube::ListOptions&) {
        if (lists++ == 0) return kube::ListReply{refused(), {}, {}, {}};
        return list_of({}, "10");
      },
      std::chrono::minutes(1));
  f.source->fail_next_watch = refused();
  REQUIRE(f.watching(1));
  CHECK(f.source->lists.size() == 2);
  CHECK(f.source->watches.size() == 2);
  CHECK(f.sink.restarts == std::vector<std::string>{"error"});
}

TEST_CASE("objects are stored without managedFields or the last-applied annotation") {
  Fixture f([](const kube::ListOptions&) {
    return list_of({cm("a", "5",
                       R"(,"managedFields":[{"manager":"kubectl"}],"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","keep":"me"})")},
                   "10");
  });
  REQUIRE(f.watching(1));
  auto stored = f.store.get("ns/a");
  REQUIRE(stored);
  CHECK_FALSE((*stored)["metadata"].HasMember("managedFields"));
  CHECK_FALSE((*stored)["metadata"]["annotations"].HasMember(
      "kubectl.kubernetes.io/last-applied-configuration"));
  CHECK(kube::string_at(*stored, {"metadata", "annotations", "keep"}) == "me");
}

TEST_CASE("stop ends the reflector while it watches") {
  auto f = std::make_unique<Fixture>([](const kube::ListOptions&) { return list_of({}, "10"); });
  REQUIRE(f->watching(1));
  f->reflector->stop();
  REQUIRE(run_until(f->io, [&] { return f->finished; }));
  CHECK(f->reflector->state() == Reflector::State::stopped);
}

TEST_CASE("a reflector that cannot watch for 30 s is unhealthy, and healthy once a watch works") {
  base::FakeClock clock;
  Fixture f([](const kube::ListOptions&) { return list_of({}, "10"); },
            std::chrono::milliseconds(1), &clock);
  REQUIRE(f.watching(1));
  CHECK(f.reflector->health().healthy);
  f.source->fail_watches = kube::ApiError::transport_failure("connection refused");
  f.source->streams.back()->fail();
  REQUIRE(run_until(f.io, [&] { return f.source->watches.size() >= 3; }));
  CHECK(f.reflector->health().healthy);  // failing, but not for long yet
  clock.advance(std::chrono::seconds(31));
  const ReflectorHealth health = f.reflector->health();
  CHECK_FALSE(health.healthy);
  CHECK(health.failing_for == std::chrono::seconds(31));
  CHECK_THAT(health.last_error, Catch::Contains("connection refused"));
  // The next failure tells the sink (for the log), once.
  const auto watches = f.source->watches.size();
  REQUIRE(run_until(f.io, [&] { return f.source->watches.size() >= watches + 3; }));
  REQUIRE(f.sink.health.size() == 1);
  CHECK_THAT(f.sink.health[0], Catch::StartsWith("unhealthy: no watch for 31 s (last error: watch: "));

  f.source->fail_watches.reset();
  REQUIRE(run_until(f.io, [&] { return f.reflector->state() == Reflector::State::watching && f.source->streams.size() == 2; }));
  CHECK_FALSE(f.reflector->health().healthy);  // opened, but not proven yet
  f.source->streams.back()->push(
      R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"20"}}})");
  REQUIRE(run_until(f.io, [&] { return f.sink.health.size() == 2; }));
  CHECK(f.sink.health[1] == "healthy");
  CHECK(f.reflector->health().healthy);
  CHECK(f.reflector->health().last_error.empty());
}

TEST_CASE("a watch that keeps ending in 410 is unhealthy though every list succeeds") {
  base::FakeClock clock;
  Fixture f([](const kube::ListOptions&) { return list_of({}, "10"); },
            std::chrono::milliseconds(1), &clock);
  f.source->on_stream = [](steward::test::FakeResponseStream& stream) { stream.push(kExpired); };
  REQUIRE(run_until(f.io, [&] { return f.source->lists.size() >= 3; }));
  clock.advance(std::chrono::seconds(30));
  CHECK_FALSE(f.reflector->health().healthy);
  CHECK_THAT(f.reflector->health().last_error, Catch::Contains("410"));
}

TEST_CASE("a watch open for a second is working, events or not") {
  base::FakeClock clock;
  Fixture f([](const kube::ListOptions&) { return list_of({}, "10"); },
            std::chrono::milliseconds(1), &clock);
  REQUIRE(f.watching(1));
  f.source->fail_next_watch = kube::ApiError::transport_failure("connection refused");
  f.source->streams.back()->fail();
  REQUIRE(f.watching(2));  // the refused one, then this one, open and quiet
  clock.advance(std::chrono::seconds(40));
  CHECK(f.reflector->health().healthy);  // open since before the 40 s passed
  // It ends quietly after those 40 s: a working watch, not a failure.
  f.source->streams.back()->end();
  REQUIRE(f.watching(3));
  CHECK(f.reflector->health().healthy);
  CHECK(f.sink.restarts.back() == "timeout");
}
