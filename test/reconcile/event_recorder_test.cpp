// The EventRecorder's flow control (aggregation, spam filter, one write in flight per Event) and the
// Events it writes, against a fake sink on an io_context this thread runs, with a fake clock.
#include <catch2/catch.hpp>

#include <prometheus/registry.h>
#include <rapidjson/document.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>

#include "reconcile/event_recorder.hpp"
#include "support/metrics.hpp"

using namespace std::chrono_literals;
using namespace steward;
using reconcile::EventRecord;
using reconcile::EventType;

namespace {

// "<object>.<hex>", as client-go names Events. (No std::regex: GCC 12 warns inside <regex> in the
// sanitizer build, and warnings are errors.)
bool is_event_name(const std::string& name, const std::string& object) {
  const std::string prefix = object + ".";
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return false;
  return name.find_first_not_of("0123456789abcdef", prefix.size()) == std::string::npos;
}

// Kubernetes MicroTime: 2006-01-02T15:04:05.000000Z.
bool is_micro_time(const std::string& text) {
  const std::string shape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  if (text.size() != shape.size()) return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (shape[i] == 'd' ? !digit : text[i] != shape[i]) return false;
  }
  return true;
}

struct Call {
  std::string verb;  // create, patch
  std::string ns;
  std::string name;
  rapidjson::Document body;
};

class FakeSink : public reconcile::EventSink {
 public:
  explicit FakeSink(boost::asio::io_context& io) : io_(io) {}

  // No temporaries across co_await here (GCC 12 frees them twice): calls are kept first.
  boost::asio::awaitable<std::optional<kube::ApiError>> create(const std::string& ns,
                                                               const std::string& name,
                                                               const std::string& body) override {
    calls.push_back({"create", ns, name, parse(body)});
    // The name passed must be the body's (the audit line names the Event by it).
    if (name != calls.back().body["metadata"]["name"].GetString()) calls.back().name = "<differs>";
    co_return co_await answer();
  }
  boost::asio::awaitable<std::optional<kube::ApiError>> patch(const std::string& ns,
                                                              const std::string& name,
                                                              const std::string& patch) override {
    calls.push_back({"patch", ns, name, parse(patch)});
    co_return co_await answer();
  }

  // Answers of the next calls, in order; success when none is queued.
  std::deque<std::optional<kube::ApiError>> answers;
  // While held, calls wait until release().
  bool hold = false;
  void release() {
    hold = false;
    for (auto& timer : held_) timer->cancel();
    held_.clear();
  }
  std::vector<Call> calls;

 private:
  static rapidjson::Document parse(const std::string& text) {
    rapidjson::Document doc;
    doc.Parse(text.c_str());
    return doc;
  }
  boost::asio::awaitable<std::optional<kube::ApiError>> answer() {
    if (hold) {
      auto timer = std::make_shared<boost::asio::steady_timer>(io_, 24h);
      held_.push_back(timer);
      co_await timer->async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    std::optional<kube::ApiError> result;
    if (!answers.empty()) {
      result = answers.front();
      answers.pop_front();
    }
    co_return result;
  }
  boost::asio::io_context& io_;
  std::vector<std::shared_ptr<boost::asio::steady_timer>> held_;
};

const auto kWallStart = std::chrono::system_clock::time_point{} + std::chrono::hours(500000);

struct Env {
  boost::asio::io_context io;
  base::FakeClock clock;
  prometheus::Registry registry;
  std::shared_ptr<FakeSink> sink = std::make_shared<FakeSink>(io);
  reconcile::EventRecorder recorder;

  explicit Env(std::size_t max_in_flight = 64, double qps = 25, int burst = 100)
      : recorder(io, sink,
                 {.reporting_instance = "test-host",
                  .correlation = {.clock = &clock},
                  .max_in_flight = max_in_flight,
                  .qps = qps,
                  .burst = burst,
                  .clock = &clock,
                  .wall_clock = [this] { return kWallStart + (clock.now() - base::FakeClock().now()); },
                  .registry = &registry}) {}

  // Runs every write that can run now.
  void run() {
    io.restart();
    io.poll();
  }
  double metric(const std::string& name, const std::map<std::string, std::string>& labels) {
    return test::metric_value(registry, name, labels).value_or(-1);
  }
};

EventRecord corrected(const std::string& name = "web", const std::string& note = "corrected") {
  return {.regarding = {"apps/v1", "Deployment", "shop", name, "uid-" + name},
          .type = EventType::kNormal,
          .reason = "DriftCorrected",
          .action = "Apply",
          .note = note};
}

int series_count(const Call& call) { return call.body["series"]["count"].GetInt(); }

}  // namespace

TEST_CASE("the first occurrence creates an events.k8s.io/v1 Event regarding the object") {
  Env env;
  env.recorder.record(corrected());
  CHECK(env.sink->calls.empty());  // record() only schedules the write
  env.run();
  REQUIRE(env.sink->calls.size() == 1);
  const Call& call = env.sink->calls[0];
  CHECK(call.verb == "create");
  CHECK(call.ns == "shop");
  const auto& body = call.body;
  CHECK(std::string(body["apiVersion"].GetString()) == "events.k8s.io/v1");
  CHECK(std::string(body["kind"].GetString()) == "Event");
  CHECK(std::string(body["metadata"]["namespace"].GetString()) == "shop");
  CHECK(is_event_name(call.name, "web"));
  CHECK(std::string(body["type"].GetString()) == "Normal");
  CHECK(std::string(body["reason"].GetString()) == "DriftCorrected");
  CHECK(std::string(body["action"].GetString()) == "Apply");
  CHECK(std::string(body["note"].GetString()) == "corrected");
  CHECK(std::string(body["reportingController"].GetString()) == "steward");
  CHECK(std::string(body["reportingInstance"].GetString()) == "test-host");
  CHECK(is_micro_time(body["eventTime"].GetString()));
  const auto& regarding = body["regarding"];
  CHECK(std::string(regarding["apiVersion"].GetString()) == "apps/v1");
  CHECK(std::string(regarding["kind"].GetString()) == "Deployment");
  CHECK(std::string(regarding["namespace"].GetString()) == "shop");
  CHECK(std::string(regarding["name"].GetString()) == "web");
  CHECK(std::string(regarding["uid"].GetString()) == "uid-web");
  CHECK_FALSE(body.HasMember("series"));
  CHECK(env.recorder.stats().created == 1);
  CHECK(env.metric("steward_event_writes_total", {{"verb", "create"}, {"result", "success"}}) == 1);
}

TEST_CASE("an Event about a cluster-scoped object goes to namespace kube-system, with a valid name") {
  Env env;
  env.recorder.record({.regarding = {"rbac.authorization.k8s.io/v1", "ClusterRole", "",
                                     "system:Controller:Thing", ""},
                       .type = EventType::kWarning,
                       .reason = "ApplyFailed",
                       .action = "Apply",
                       .note = std::string(3000, 'x')});
  env.run();
  REQUIRE(env.sink->calls.size() == 1);
  const Call& call = env.sink->calls[0];
  CHECK(call.ns == "kube-system");  // the only namespace kube-apiserver 1.20 accepts for it
  CHECK(is_event_name(call.name, "system-controller-thing"));
  CHECK_FALSE(call.body["regarding"].HasMember("namespace"));
  CHECK_FALSE(call.body["regarding"].HasMember("uid"));
  CHECK(std::string(call.body["type"].GetString()) == "Warning");
  CHECK(call.body["note"].GetStringLength() == 1024);  // the server's limit
}

TEST_CASE("Event names are DNS subdomains of at most 253 characters") {
  CHECK(reconcile::event_name("web", 0xabc) == "web.abc");
  CHECK(reconcile::event_name("a..b", 1) == "a.b.1");
  CHECK(reconcile::event_name(":::", 1) == "object.1");
  CHECK(reconcile::event_name("-x-:", 1) == "x.1");
  const std::string long_name = reconcile::event_name(std::string(300, 'a'), 0x123);
  CHECK(long_name.size() == 253);
  CHECK(long_name.substr(long_name.size() - 4) == ".123");
}

TEST_CASE("repeats within the window count up one Event's series") {
  Env env;
  env.recorder.record(corrected());
  env.run();
  env.clock.advance(1min);
  env.recorder.record(corrected());
  env.run();
  env.clock.advance(9min);  // 10 minutes after the first, but 9 after the previous one
  env.recorder.record(corrected());
  env.run();
  REQUIRE(env.sink->calls.size() == 3);
  const auto& calls = env.sink->calls;
  CHECK(calls[1].verb == "patch");
  CHECK(calls[1].name == calls[0].name);
  CHECK(calls[1].ns == "shop");
  CHECK(series_count(calls[1]) == 2);
  CHECK(calls[1].body["series"].HasMember("lastObservedTime"));
  CHECK(calls[1].body.MemberCount() == 1);  // only the series changes
  CHECK(calls[2].name == calls[0].name);
  CHECK(series_count(calls[2]) == 3);
  CHECK(env.recorder.stats().patched == 2);
}

TEST_CASE("repeats while a write is in flight are folded into one patch with the latest count") {
  Env env;
  for (int i = 0; i < 5; ++i) env.recorder.record(corrected());
  env.run();
  REQUIRE(env.sink->calls.size() == 2);
  CHECK(env.sink->calls[0].verb == "create");
  CHECK(env.sink->calls[1].verb == "patch");
  CHECK(series_count(env.sink->calls[1]) == 5);
}

TEST_CASE("a repeat after a quiet window starts a new Event") {
  Env env;
  env.recorder.record(corrected());
  env.run();
  env.clock.advance(11min);
  env.recorder.record(corrected());
  env.run();
  REQUIRE(env.sink->calls.size() == 2);
  CHECK(env.sink->calls[1].verb == "create");
  CHECK(env.sink->calls[1].name != env.sink->calls[0].name);
}

TEST_CASE("another reason, note or object is another Event") {
  Env env;
  env.recorder.record(corrected("web", "one"));
  env.recorder.record(corrected("web", "two"));
  EventRecord pruned = corrected("web", "one");
  pruned.reason = "Pruned";
  env.recorder.record(pruned);
  env.recorder.record(corrected("api", "one"));
  env.run();
  REQUIRE(env.sink->calls.size() == 4);
  for (const auto& call : env.sink->calls) CHECK(call.verb == "create");
}

TEST_CASE("the spam filter lets 25 occurrences of an object through, then one per 5 minutes") {
  Env env;
  for (int i = 0; i < 30; ++i) env.recorder.record(corrected("web", "note " + std::to_string(i % 3)));
  env.run();
  CHECK(env.recorder.stats().dropped == 5);
  CHECK(env.metric("steward_events_dropped_total", {{"cause", "spam"}}) == 5);
  // 25 occurrences in three Events (notes 0, 1, 2): 9 + 8 + 8.
  int occurrences = 0;
  for (const auto& call : env.sink->calls) occurrences += call.verb == "create" ? 0 : series_count(call) - 1;
  CHECK(occurrences + 3 == 25);

  // Another object has a bucket of its own.
  env.recorder.record(corrected("api"));
  env.run();
  CHECK(env.recorder.stats().dropped == 5);

  env.clock.advance(5min);  // one token back
  const std::size_t calls_before = env.sink->calls.size();
  env.recorder.record(corrected("web", "note 0"));
  env.recorder.record(corrected("web", "note 0"));
  env.run();
  CHECK(env.recorder.stats().dropped == 6);
  REQUIRE(env.sink->calls.size() == calls_before + 1);
  CHECK(series_count(env.sink->calls.back()) == 10);
}

TEST_CASE("a failed create is not retried, and the next occurrence creates a new Event") {
  Env env;
  env.sink->answers.push_back(kube::ApiError::from_response(403, ""));
  env.recorder.record(corrected());
  env.run();
  CHECK(env.recorder.stats().failed == 1);
  CHECK(env.sink->calls.size() == 1);
  CHECK(env.metric("steward_event_writes_total", {{"verb", "create"}, {"result", "failure"}}) == 1);
  env.recorder.record(corrected());
  env.run();
  REQUIRE(env.sink->calls.size() == 2);
  CHECK(env.sink->calls[1].verb == "create");
  CHECK(env.recorder.stats().created == 1);
}

TEST_CASE("a patch of an Event the server no longer has makes the next occurrence a new Event") {
  Env env;
  env.sink->answers = {std::nullopt, kube::ApiError::from_response(404, "")};
  env.recorder.record(corrected());
  env.run();
  env.recorder.record(corrected());
  env.run();
  env.recorder.record(corrected());
  env.run();
  REQUIRE(env.sink->calls.size() == 3);
  CHECK(env.sink->calls[1].verb == "patch");
  CHECK(env.sink->calls[2].verb == "create");
  CHECK(env.sink->calls[2].name != env.sink->calls[0].name);
}

TEST_CASE("recording never waits for the server, and beyond max_in_flight new Events are dropped") {
  Env env(2);
  env.sink->hold = true;  // the server never answers
  env.recorder.record(corrected("a"));
  env.recorder.record(corrected("b"));
  env.recorder.record(corrected("c"));  // a third Event while two are in flight: dropped
  env.recorder.record(corrected("a"));  // a repeat of one in flight: folded, not dropped
  env.run();
  CHECK(env.sink->calls.size() == 2);
  CHECK(env.recorder.stats().dropped == 1);
  CHECK(env.metric("steward_events_dropped_total", {{"cause", "backlog"}}) == 1);
  CHECK_FALSE(env.recorder.drain(0ms));

  env.sink->release();
  env.run();
  CHECK(env.recorder.drain(0ms));
  REQUIRE(env.sink->calls.size() == 3);
  CHECK(env.sink->calls[2].verb == "patch");
  CHECK(series_count(env.sink->calls[2]) == 2);
  // The dropped Event was never created: its next occurrence creates it.
  env.recorder.record(corrected("c"));
  env.run();
  REQUIRE(env.sink->calls.size() == 4);
  CHECK(env.sink->calls[3].verb == "create");
}

TEST_CASE("Event writes start at most at qps after a burst, and beyond it new Events are dropped") {
  Env env(64, /*qps=*/2, /*burst=*/3);
  for (const char* name : {"a", "b", "c", "d", "e"}) env.recorder.record(corrected(name));
  env.run();
  CHECK(env.sink->calls.size() == 3);
  CHECK(env.metric("steward_events_dropped_total", {{"cause", "rate"}}) == 2);
  // Half a second later one more token: the next occurrence of a dropped one creates its Event.
  env.clock.advance(500ms);
  env.recorder.record(corrected("d"));
  env.recorder.record(corrected("e"));
  env.run();
  REQUIRE(env.sink->calls.size() == 4);
  CHECK(env.sink->calls[3].verb == "create");
  CHECK(env.metric("steward_events_dropped_total", {{"cause", "rate"}}) == 3);
}
