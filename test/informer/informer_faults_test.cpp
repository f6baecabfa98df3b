// Informers under the test server's faults: whatever happens, once the faults stop the cache equals
// a fresh list of the server (every key at the same resourceVersion), and handlers heard of every
// deletion.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "informer_env.hpp"
#include "support/cache_check.hpp"
#include "support/delivery_check.hpp"
#include "support/metrics.hpp"
#include "support/testapi_admin.hpp"

using namespace steward;
using namespace steward::test;

namespace {

// Short backoffs: the scenarios below fail watches on purpose.
base::BackoffOptions fast_backoff() {
  return {.initial = std::chrono::milliseconds(20),
          .max = std::chrono::milliseconds(200),
          .factor = 2,
          .jitter = 0.5,
          .reset_after = std::chrono::seconds(5)};
}

// The informers' client: its circuit breaker opens under the faults (as it should) and is given a
// short open period so the tests need not wait 30 s for the probe.
kube::ClientOptions informer_client() {
  kube::ClientOptions options;
  options.breaker.open_for = std::chrono::milliseconds(200);
  return options;
}

// Through the informers' client, whose breaker the faults may have opened: a refusal waits for
// the breaker's probe (as steward's own callers do) and sends again, for at most a minute, so the
// switch that ends the faults is never lost to them.
kube::Reply post_faults(Env& env, const std::string& body) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  for (;;) {
    kube::Reply reply = env.loop.sync(steward::test::post_faults(env.client, body));
    const auto wait = reply.error ? reply.error->circuit_retry_in() : std::nullopt;
    if (!wait || std::chrono::steady_clock::now() + *wait > deadline) return reply;
    std::this_thread::sleep_for(*wait);
  }
}

void create(Env& env, const std::string& name) {
  const auto object = json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"f","name":")" +
                           name + R"("},"data":{"k":"v"}})");
  REQUIRE(env.loop.sync(env.client.create(kConfigMaps, "f", object)).ok());
}

// Server-side apply: repeatable, so the client retries it through injected 500s (a POST is not
// retried on a 500: its first attempt may have created the object).
void apply_configmap(Env& env, kube::Client& writer, const std::string& name) {
  const auto object = json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"f","name":")" +
                           name + R"("},"data":{"k":"v"}})");
  REQUIRE(env.loop.sync(writer.apply(kConfigMaps, "f", object)).ok());
}

void remove(Env& env, const std::string& name) {
  REQUIRE(env.loop.sync(env.client.remove(kConfigMaps, "f", name)).ok());
}

// Waits until the cache equals the server; returns the last difference seen otherwise.
std::string converge(Env& env) {
  std::string difference = "never checked";
  eventually([&] {
    auto informer = env.manager.informer("v1", "ConfigMap");
    if (!informer) return false;
    difference = env.loop.sync(cache_difference(env.client, kConfigMaps, informer->store()));
    return difference.empty();
  });
  return difference;
}

struct Started {
  Env env{fast_backoff(), informer_client()};
  Recorder recorder;
  // Writes go through a client of their own that keeps trying through the faults.
  kube::Client writer{env.loop.io, env.rest_config(), [] {
                        kube::ClientOptions options;
                        options.retry.max_attempts = 50;
                        options.retry.backoff.max = std::chrono::milliseconds(100);
                        options.breaker.failure_threshold = 1000;
                        return options;
                      }()};
  Started() {
    REQUIRE(env.loop.sync(env.client.create(kNamespaces, "", json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"f"}})"))).ok());
    for (int i = 0; i < 5; ++i) create(env, "before-" + std::to_string(i));
    env.manager.subscribe("v1", "ConfigMap", recorder.handlers());
    REQUIRE(eventually([&] { return env.manager.synced(); }));
  }
};

}  // namespace

TEST_CASE("watches closed mid-stream resume without losing changes", "[testapi]") {
  Started s;
  for (int round = 0; round < 3; ++round) {
    REQUIRE(post_faults(s.env, R"({"closeWatches":true})").ok());
    create(s.env, "during-" + std::to_string(round));
    remove(s.env, "before-" + std::to_string(round));
  }
  CHECK(converge(s.env).empty());
  CHECK(s.recorder.has("delete f/before-2"));
  CHECK(s.recorder.has("add f/during-2"));
}

TEST_CASE("a simulated server restart is survived", "[testapi]") {
  Started s;
  REQUIRE(post_faults(s.env, R"({"restart":true})").ok());
  create(s.env, "after-restart");
  remove(s.env, "before-0");
  CHECK(converge(s.env).empty());
  CHECK(s.recorder.has("delete f/before-0"));
}

TEST_CASE("410 after compaction re-lists and emits deletes for objects removed meanwhile", "[testapi]") {
  Started s;
  // Keep the informer from watching while objects change, then pass what a long absence does: the
  // watch cache's window moves past the informer's version (a watch 410) and etcd is compacted
  // past it too (so the re-list at that version is 410 as well).
  REQUIRE(post_faults(s.env, R"({"refuseWatchesSeconds":2,"closeWatches":true})").ok());
  remove(s.env, "before-1");
  remove(s.env, "before-3");
  create(s.env, "while-away");
  REQUIRE(post_faults(s.env, R"({"expireWatchHistory":true,"compact":true})").ok());
  CHECK(converge(s.env).empty());
  CHECK(s.recorder.has("delete f/before-1"));
  CHECK(s.recorder.has("delete f/before-3"));
  CHECK(s.recorder.has("add f/while-away"));
}

TEST_CASE("bursts of 429 and 500 answers delay but never corrupt the cache", "[testapi]") {
  Started s;
  REQUIRE(post_faults(s.env, R"({"errorRate":0.5,"errorCodes":[429,500],"retryAfterSeconds":0,"closeWatches":true,"seed":3})").ok());
  // Writes may be refused too; the client retries them.
  for (int i = 0; i < 5; ++i) apply_configmap(s.env, s.writer, "burst-" + std::to_string(i));
  REQUIRE(post_faults(s.env, R"({"reset":true})").ok());
  CHECK(converge(s.env).empty());
  CHECK(s.recorder.has("add f/burst-4"));
}

namespace {
double gone_restarts(Env& env) {
  return metric_value(env.registry, "steward_watch_restarts_total",
                      {{"resource", "configmaps"}, {"reason", "gone"}})
      .value_or(0);
}
}  // namespace

TEST_CASE("after a server restart one relist from the watch cache, and changes flow again", "[testapi]") {
  Started s;
  // Another write moves the server past the informer's version: the restarted watch cache starts
  // after it, so the informer's next watch gets 410 (issue #15).
  REQUIRE(s.env.loop.sync(s.env.client.create(kNamespaces, "", json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"elsewhere"}})"))).ok());
  REQUIRE(post_faults(s.env, R"({"restart":true})").ok());
  create(s.env, "after-restart");
  remove(s.env, "before-0");
  CHECK(converge(s.env).empty());
  CHECK(s.recorder.has("add f/after-restart"));
  CHECK(s.recorder.has("delete f/before-0"));
  // A relist at the old version with a limit reads exactly that version again, and a watch from
  // it gets 410 again: a loop. From the watch cache (no limit) one relist is enough.
  CHECK(gone_restarts(s.env) <= 2);
  const auto informer = s.env.manager.informer("v1", "ConfigMap");
  REQUIRE(informer);
  CHECK(informer->health().healthy);
}

TEST_CASE("an informer whose watches keep failing is reported unhealthy, and healthy once they work",
          "[testapi]") {
  Env env{fast_backoff(), informer_client()};
  // A tighter bound than the daemon's 30 s, so the test takes seconds.
  informer::InformerManager manager(env.loop.io, env.client, env.discovery,
                                    {.watch_backoff = fast_backoff(),
                                     .watch_unhealthy_after = std::chrono::seconds(1)});
  Recorder recorder;
  manager.subscribe("v1", "ConfigMap", recorder.handlers());
  REQUIRE(eventually([&] { return manager.synced(); }));
  CHECK(manager.unhealthy().empty());
  REQUIRE(post_faults(env, R"({"refuseWatchesSeconds":30,"closeWatches":true})").ok());
  std::vector<std::string> unhealthy;
  REQUIRE(eventually([&] {
    unhealthy = manager.unhealthy();
    return !unhealthy.empty();
  }));
  REQUIRE(unhealthy.size() == 1);
  CHECK_THAT(unhealthy[0], Catch::StartsWith("configmaps: no watch for "));
  // Refused (429), or refused by the client's breaker that the 429s opened.
  CHECK_THAT(unhealthy[0], Catch::Contains("(last error: watch: "));
  REQUIRE(post_faults(env, R"({"reset":true})").ok());
  CHECK(eventually([&] { return manager.unhealthy().empty(); }));
  manager.stop();
}

namespace {

// The versions the server produced for ConfigMaps in namespace f, and the lost ones among them.
std::vector<LostEvent> lost_in_f(Env& env, const DeliveryRecorder& recorder) {
  std::vector<TestApiVersion> produced;
  for (auto& v : env.loop.sync(testapi_versions(env.client))) {
    if (v.resource == "configmaps" && v.key.rfind("f/", 0) == 0) produced.push_back(std::move(v));
  }
  return lost_events(produced, recorder.deliveries());
}

void apply_data(Env& env, const std::string& name, const std::string& value) {
  const auto object = json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"f","name":")" +
                           name + R"("},"data":{"k":")" + value + R"("}})");
  REQUIRE(env.loop.sync(env.client.apply(kConfigMaps, "f", object)).ok());
}

}  // namespace

// Issue #22: the chaos run's lost_events must be able to fail. A cache that equals a fresh list
// does not show a lost event when a newer version of the object followed it; the delivery check
// (test/support/delivery_check.hpp) does.
TEST_CASE("a watch event the server leaves out is a lost event, though the cache converges",
          "[testapi]") {
  Env env{fast_backoff(), informer_client()};
  REQUIRE(env.loop.sync(env.client.create(kNamespaces, "", json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"f"}})"))).ok());
  create(env, "kept");
  create(env, "dropped");
  DeliveryRecorder recorder(watch_event_count(env.registry, "configmaps"));
  env.manager.subscribe("v1", "ConfigMap", recorder.handlers());
  REQUIRE(eventually([&] { return env.manager.synced(); }));
  const auto delivered = [&](const std::string& key, const kube::ObjectReply& write) {
    const auto rv = std::stoull(std::string(kube::string_at(*write.object, {"metadata", "resourceVersion"})));
    return eventually([&] {
      for (const auto& d : recorder.deliveries())
        if (d.key == key && d.rv == rv) return true;
      return false;
    });
  };

  // Without the fault every version is delivered, creations before the informer started included
  // (its first list supersedes them).
  apply_data(env, "kept", "2");
  REQUIRE(converge(env).empty());
  CHECK(describe(lost_in_f(env, recorder)).empty());

  // The watch leaves out the update of "dropped" to 3; the next update, to 4, arrives.
  REQUIRE(post_faults(env, R"({"dropWatchEvents":[{"path":"/api/v1/namespaces/f/configmaps/dropped","count":1}]})").ok());
  apply_data(env, "dropped", "3");
  const auto last = env.loop.sync(env.client.apply(kConfigMaps, "f", json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"f","name":"dropped"},"data":{"k":"4"}})")));
  REQUIRE(last.ok());
  REQUIRE(delivered("f/dropped", last));
  CHECK(converge(env).empty());  // what the chaos run's old lost_events compared: no difference
  const auto lost = lost_in_f(env, recorder);
  INFO(describe(lost));
  REQUIRE(lost.size() == 1);
  CHECK(lost[0].key == "f/dropped");
  CHECK(lost[0].rv < std::stoull(std::string(kube::string_at(*last.object, {"metadata", "resourceVersion"}))));
}
