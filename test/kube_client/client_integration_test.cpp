// The API client against steward-testapi over real sockets (TLS, bearer token).
#include <catch2/catch.hpp>

#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <vector>

#include "client_env.hpp"
#include "kube/watch.hpp"
#include "support/metrics.hpp"

using namespace steward;
using namespace steward::test;

TEST_CASE("create, get, update with optimistic locking, apply, and delete with preconditions") {
  Env env;
  env.make_namespace("verbs");

  auto created = run(env.io, env.client->create(kConfigMaps, "verbs", configmap("verbs", "a")));
  REQUIRE(created.ok());
  const std::string uid(kube::string_at(*created.object, {"metadata", "uid"}));
  const std::string rv(kube::string_at(*created.object, {"metadata", "resourceVersion"}));
  CHECK_FALSE(uid.empty());

  auto again = run(env.io, env.client->create(kConfigMaps, "verbs", configmap("verbs", "a")));
  REQUIRE(again.error);
  CHECK(again.error->is_already_exists());

  auto got = run(env.io, env.client->get(kConfigMaps, "verbs", "a"));
  REQUIRE(got.ok());
  CHECK(kube::string_at(*got.object, {"data", "k"}) == "v");

  // Update at the current version works; at the old one it is a conflict.
  auto update = configmap("verbs", "a", "w");
  update["metadata"].AddMember("resourceVersion", rapidjson::Value(rv.c_str(), update.GetAllocator()),
                               update.GetAllocator());
  auto updated = run(env.io, env.client->update(kConfigMaps, "verbs", update));
  REQUIRE(updated.ok());
  auto stale = run(env.io, env.client->update(kConfigMaps, "verbs", update));
  REQUIRE(stale.error);
  CHECK(stale.error->is_conflict());

  // Server-side apply creates and corrects.
  auto applied = run(env.io, env.client->apply(kConfigMaps, "verbs", configmap("verbs", "b", "x")));
  REQUIRE(applied.ok());
  CHECK(kube::string_at(*applied.object, {"data", "k"}) == "x");

  auto missing = run(env.io, env.client->get(kConfigMaps, "verbs", "nope"));
  REQUIRE(missing.error);
  CHECK(missing.error->is_not_found());

  auto wrong_uid = run(env.io, env.client->remove(kConfigMaps, "verbs", "a", {.uid = "not-the-uid"}));
  REQUIRE(wrong_uid.error);
  CHECK(wrong_uid.error->is_conflict());
  auto removed = run(env.io, env.client->remove(kConfigMaps, "verbs", "a", {.uid = uid}));
  CHECK(removed.ok());
  auto gone = run(env.io, env.client->remove(kConfigMaps, "verbs", "a"));
  REQUIRE(gone.error);
  CHECK(gone.error->is_not_found());

  const std::string metrics = env.metrics();
  CHECK(metrics.find("rest_client_requests_total{") != std::string::npos);
  CHECK(metrics.find("code=\"409\"") != std::string::npos);
  CHECK(metrics.find("rest_client_request_duration_seconds_bucket{") != std::string::npos);
}

TEST_CASE("a namespaced object needs its namespace") {
  Env env;
  auto reply = run(env.io, env.client->create(kConfigMaps, "nowhere", configmap("nowhere", "a")));
  REQUIRE(reply.error);
  CHECK(reply.error->is_not_found());
  CHECK(reply.error->transient_for_reconcile());  // the namespace may come with the same state
}

TEST_CASE("paged lists return every object once with the list's resourceVersion") {
  Env env;
  env.make_namespace("paged");
  for (int i = 0; i < 7; ++i) {
    REQUIRE(run(env.io, env.client->create(kConfigMaps, "paged",
                                           configmap("paged", "cm-" + std::to_string(i))))
                .ok());
  }
  auto first = run(env.io, env.client->list(kConfigMaps, "paged", {.limit = 3}));
  REQUIRE(first.ok());
  CHECK(first.items.size() == 3);
  CHECK_FALSE(first.continue_token.empty());
  // Items of a built-in list come without kind/apiVersion; the client fills them in.
  CHECK(kube::string_at(*first.items[0], {"kind"}) == "ConfigMap");
  CHECK(kube::string_at(*first.items[0], {"apiVersion"}) == "v1");

  auto all = run(env.io, env.client->list_all(kConfigMaps, "paged", {.limit = 3}));
  REQUIRE(all.ok());
  CHECK(all.items.size() == 7);
  CHECK_FALSE(all.resource_version.empty());

  auto selected = run(env.io, env.client->list_all(kConfigMaps, "", {.field_selector = "metadata.name=cm-3"}));
  REQUIRE(selected.ok());
  CHECK(selected.items.size() == 1);
}

TEST_CASE("a watch sees adds, changes and deletes after its version, in order") {
  Env env;
  env.make_namespace("watched");
  auto list = run(env.io, env.client->list(kConfigMaps, "watched", {}));
  REQUIRE(list.ok());

  // Arguments are named locals, never braced temporaries inside co_await (a GCC 12 coroutine bug).
  auto events = run(env.io, [&]() -> boost::asio::awaitable<std::vector<std::string>> {
    const kube::WatchOptions options{.resource_version = list.resource_version,
                                     .timeout = std::chrono::seconds(30)};
    auto watch = co_await env.client->watch(kConfigMaps, "watched", options);
    std::vector<std::string> seen;
    if (!watch.ok()) co_return seen;
    const auto created = configmap("watched", "a");
    const auto changed = configmap("watched", "a", "changed");
    if (!(co_await env.client->create(kConfigMaps, "watched", created)).ok()) co_return seen;
    if (!(co_await env.client->apply(kConfigMaps, "watched", changed)).ok()) co_return seen;
    if (!(co_await env.client->remove(kConfigMaps, "watched", "a")).ok()) co_return seen;
    while (seen.size() < 3) {
      auto event = co_await watch.stream->next();
      if (!event) break;
      if (event->type == kube::WatchEvent::Type::bookmark) continue;
      seen.push_back(std::to_string(static_cast<int>(event->type)) + " " +
                     std::string(kube::string_at(*event->object, {"metadata", "name"})));
    }
    watch.stream->close();
    co_return seen;
  }());
  CHECK(events == std::vector<std::string>{"0 a", "1 a", "2 a"});  // added, modified, deleted
}

TEST_CASE("a wrong token is an auth error, never retried into success") {
  Env env;
  auto config = config_for(env.server);
  config.auth.bearer_token = "wrong";
  kube::Client client(env.io, config);
  auto reply = run(env.io, client.get(kConfigMaps, "default", "x"));
  REQUIRE(reply.error);
  CHECK(reply.error->is_unauthorized());
}

TEST_CASE("TLS verification fails against another server's CA", "[testapi]") {
  Env env;
  TestApiServer other;
  auto config = config_for(env.server);
  config.ca_pem = config_for(other).ca_pem;
  kube::ClientOptions options;
  options.retry.max_attempts = 1;
  kube::Client client(env.io, config, options);
  auto reply = run(env.io, client.get(kConfigMaps, "default", "x"));
  REQUIRE(reply.error);
  CHECK(reply.error->is_transport_failure());
  CHECK(reply.error->message().find("TLS") != std::string::npos);
}

TEST_CASE("429 with Retry-After is retried after the delay the server asked for", "[testapi]") {
  // The retry policy alone: the adaptive throttle would also pause the test's own request that
  // lifts the fault for the same second, and whether it or the retry goes first would be chance.
  kube::ClientOptions options;
  options.throttle.adaptive = false;
  Env env({}, options);
  const auto started = std::chrono::steady_clock::now();
  auto reply = run(env.io, [&]() -> boost::asio::awaitable<kube::ListReply> {
    auto faults = co_await post_faults(*env.client,
                                       R"({"errorRate":1.0,"errorCodes":[429],"retryAfterSeconds":1})");
    if (!faults.ok()) co_return kube::ListReply{faults.error, {}, {}, {}};
    // Lift the fault as soon as the client has been refused once; its retry then succeeds.
    boost::asio::co_spawn(
        env.io,
        [&]() -> boost::asio::awaitable<void> {
          boost::asio::steady_timer timer(env.io);
          while (!metric_value(env.registry, "rest_client_requests_total", {{"code", "429"}})) {
            timer.expires_after(std::chrono::milliseconds(5));
            co_await timer.async_wait(boost::asio::use_awaitable);
          }
          co_await post_faults(*env.client, R"({"reset":true})");
        },
        boost::asio::detached);
    const kube::ListOptions options{};
    co_return co_await env.client->list(kConfigMaps, "default", options);
  }());
  CHECK(reply.ok());
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::seconds(1));
  CHECK(metric_value(env.registry, "rest_client_requests_total", {{"code", "429"}}) == 1);
}

TEST_CASE("after the token rotates, a 401 makes the client re-read its token file", "[testapi]") {
  Env env;
  auto config = config_for(env.server);
  const auto token_file = env.server.dir() / "token";
  std::ofstream(token_file) << config.auth.bearer_token << "\n";
  config.auth.token_file = token_file;
  config.auth.bearer_token.clear();
  kube::Client client(env.io, config);

  CHECK(run(env.io, client.get(kNamespaces, "", "default")).ok());  // the token from the file works
  REQUIRE(run(env.io, post_faults(client, R"({"token":"rotated-token"})")).ok());
  std::ofstream(token_file, std::ios::trunc) << "rotated-token\n";
  auto reply = run(env.io, client.list(kConfigMaps, "", {}));
  CHECK(reply.ok());
}

TEST_CASE("the circuit breaker opens after 5 failures in a row and then fails fast", "[testapi]") {
  kube::ClientOptions options;
  options.retry.max_attempts = 1;
  options.breaker.open_for = std::chrono::seconds(30);  // long enough to see it count down
  Env env({}, options);
  REQUIRE(run(env.io, post_faults(*env.client, R"({"errorRate":1.0,"errorCodes":[503]})")).ok());
  for (int i = 0; i < 5; ++i) {
    auto reply = run(env.io, env.client->get(kConfigMaps, "default", "x"));
    REQUIRE(reply.error);
    CHECK(reply.error->code() == 503);
  }
  CHECK(env.client->breaker_state() == kube::CircuitBreaker::State::open);
  auto fast = run(env.io, env.client->get(kConfigMaps, "default", "x"));
  REQUIRE(fast.error);
  CHECK(fast.error->is_transport_failure());
  CHECK(fast.error->is_circuit_open());
  CHECK(fast.error->message().find("circuit breaker open") != std::string::npos);
  // The refusal says when the probe may go: the rest of the 30 s open period.
  REQUIRE(fast.error->circuit_retry_in());
  CHECK(*fast.error->circuit_retry_in() > std::chrono::seconds(25));
  CHECK(*fast.error->circuit_retry_in() <= std::chrono::seconds(30));
  CHECK(metric_value(env.registry, "steward_api_circuit_breaker_state",
                     {{"host", env.client->config().server.authority()}}) == 2);
}

TEST_CASE("answers that are the request's fault (404, 409) never open the breaker") {
  kube::ClientOptions options;
  options.retry.max_attempts = 1;
  Env env({}, options);
  env.make_namespace("faulty");
  const auto taken = configmap("faulty", "taken");
  REQUIRE(run(env.io, env.client->create(kConfigMaps, "faulty", taken)).ok());
  for (int i = 0; i < 6; ++i) {
    auto missing = run(env.io, env.client->get(kConfigMaps, "faulty", "absent-" + std::to_string(i)));
    REQUIRE(missing.error);
    CHECK(missing.error->is_not_found());
    auto again = run(env.io, env.client->create(kConfigMaps, "faulty", taken));
    REQUIRE(again.error);
    CHECK(again.error->is_already_exists());
    CHECK_FALSE(again.error->is_circuit_open());
  }
  CHECK(env.client->breaker_state() == kube::CircuitBreaker::State::closed);
}

TEST_CASE("a watch with bookmarks gets them, and resuming from one sees only later events",
          "[testapi]") {
  Env env({"--bookmark-interval", "1"});
  env.make_namespace("marked");
  auto list = run(env.io, env.client->list(kConfigMaps, "marked", {}));
  REQUIRE(list.ok());
  REQUIRE(run(env.io, env.client->create(kConfigMaps, "marked", configmap("marked", "a"))).ok());
  // The first watch sees the create, then waits for a bookmark.
  auto bookmark = run(env.io, [&]() -> boost::asio::awaitable<std::string> {
    const kube::WatchOptions options{.resource_version = list.resource_version,
                                     .timeout = std::chrono::seconds(30)};
    auto watch = co_await env.client->watch(kConfigMaps, "marked", options);
    if (!watch.ok()) co_return "";
    std::string version;
    bool added = false;
    while (auto event = co_await watch.stream->next()) {
      if (event->type == kube::WatchEvent::Type::added) added = true;
      if (event->type == kube::WatchEvent::Type::bookmark && added) {
        version = std::string(kube::string_at(*event->object, {"metadata", "resourceVersion"}));
        break;
      }
    }
    watch.stream->close();
    co_return version;
  }());
  REQUIRE_FALSE(bookmark.empty());
  REQUIRE(run(env.io, env.client->create(kConfigMaps, "marked", configmap("marked", "b"))).ok());
  auto first = run(env.io, [&]() -> boost::asio::awaitable<std::string> {
    const kube::WatchOptions options{.resource_version = bookmark,
                                     .timeout = std::chrono::seconds(30)};
    auto watch = co_await env.client->watch(kConfigMaps, "marked", options);
    if (!watch.ok()) co_return "watch failed: " + watch.error->to_string();
    while (auto event = co_await watch.stream->next()) {
      if (event->type == kube::WatchEvent::Type::bookmark) continue;
      watch.stream->close();
      co_return std::to_string(static_cast<int>(event->type)) + " " +
          std::string(kube::string_at(*event->object, {"metadata", "name"}));
    }
    co_return "stream ended";
  }());
  CHECK(first == "0 b");  // added b; a came before the bookmark
}

TEST_CASE("a watch from a version the watch cache no longer holds answers 410 Gone", "[testapi]") {
  Env env;
  env.make_namespace("old");
  auto created = run(env.io, env.client->create(kConfigMaps, "old", configmap("old", "a")));
  REQUIRE(created.ok());
  const std::string version(kube::string_at(*created.object, {"metadata", "resourceVersion"}));
  // etcd compaction leaves the apiserver's watch cache alone; its window moves on with writes.
  REQUIRE(run(env.io, post_faults(*env.client, R"({"expireWatchHistory":true})")).ok());
  auto gone = run(env.io, [&]() -> boost::asio::awaitable<bool> {
    const kube::WatchOptions options{.resource_version = version, .timeout = std::chrono::seconds(10)};
    auto watch = co_await env.client->watch(kConfigMaps, "old", options);
    if (!watch.ok()) co_return watch.error->is_gone();
    // The real server answers 200 and then an ERROR event with a 410 Status.
    auto event = co_await watch.stream->next();
    watch.stream->close();
    co_return event && event->type == kube::WatchEvent::Type::error && event->error->is_gone();
  }());
  CHECK(gone);
}

TEST_CASE("a 401 that fresh credentials do not fix marks them rejected until one is accepted",
          "[testapi]") {
  Env env;
  auto config = config_for(env.server);
  const std::string good = config.auth.bearer_token;
  const auto token_file = env.server.dir() / "revoked-token";
  std::ofstream(token_file) << "revoked\n";
  config.auth.token_file = token_file;
  config.auth.bearer_token.clear();
  prometheus::Registry registry;
  std::vector<bool> told;  // what on_credentials_change heard
  kube::ClientOptions options{.registry = &registry};
  options.on_credentials_change = [&](bool rejected) { told.push_back(rejected); };
  kube::Client client(env.io, config, options);
  const auto unauthorized = [&] {
    return metric_value(registry, "rest_client_requests_total", {{"code", "401"}}).value_or(0);
  };

  auto reply = run(env.io, client.get(kNamespaces, "", "default"));
  REQUIRE(reply.error);
  CHECK(reply.error->is_unauthorized());
  CHECK(unauthorized() == 2);  // refused, the file read again, refused again
  CHECK(client.credentials_rejected());

  // A watch refused with fresh credentials says the same, and is itself tried twice.
  const kube::WatchOptions watch_options{};
  auto watch = run(env.io, client.watch(kConfigMaps, "default", watch_options));
  REQUIRE(watch.error);
  CHECK(watch.error->is_unauthorized());
  CHECK(unauthorized() == 4);
  CHECK(client.credentials_rejected());

  // The file fixed: the next watch opens with the token read again, and clears the mark.
  std::ofstream(token_file, std::ios::trunc) << good << "\n";
  watch = run(env.io, client.watch(kConfigMaps, "default", watch_options));
  REQUIRE(watch.ok());
  CHECK_FALSE(client.credentials_rejected());
  CHECK(unauthorized() == 5);  // the first attempt still carried the revoked token
  CHECK(told == std::vector<bool>{true, false});  // each change once, not each 401
}
