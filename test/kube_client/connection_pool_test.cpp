// The transport's keep-alive pool against steward-testapi, seen from the server's side
// (/_testapi/stats): reuse, its bound, watches beside it, and the idle deadline.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>

#include "base/clock.hpp"
#include "client_env.hpp"
#include "kube/watch.hpp"
#include "support/async.hpp"

using namespace steward;
using namespace steward::test;
using namespace std::chrono_literals;

TEST_CASE("sequential requests to one server share one keep-alive connection", "[testapi]") {
  Env env;
  for (int i = 0; i < 10; ++i) {
    REQUIRE(run(env.io, env.client->get(kNamespaces, "", "default")).ok());
  }
  const TestApiStats stats = testapi_stats(env.io, *env.client);
  CHECK(stats.connections_accepted == 1);
  CHECK(stats.connections_open == 1);
}

TEST_CASE("concurrent requests open at most pool_size connections and queue for them",
          "[testapi]") {
  kube::ClientOptions options;
  options.transport.pool_size = 3;
  Env env({}, options);
  // Slow answers keep every request in flight long enough to overlap all the others.
  REQUIRE(run(env.io, post_faults(*env.client, R"({"latencyMs":200})")).ok());
  int succeeded = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 12; ++i) {
    boost::asio::co_spawn(env.io, env.client->get(kNamespaces, "", "default"),
                          [&](std::exception_ptr e, kube::ObjectReply reply) {
                            if (!e && reply.ok()) ++succeeded;
                          });
  }
  env.io.restart();
  env.io.run();
  const auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(succeeded == 12);
  // 12 requests on 3 connections are 4 rounds of 200 ms; without the bound they would take one.
  // A lower bound only: a busy machine is slower, never faster.
  CHECK(elapsed >= 700ms);
  const TestApiStats stats = testapi_stats(env.io, *env.client);
  CHECK(stats.connections_accepted == 3);  // the faults request's connection was reused too
  CHECK(stats.connections_open == 3);
}

TEST_CASE("a watch has a connection of its own and never holds a pooled one", "[testapi]") {
  kube::ClientOptions options;
  options.transport.pool_size = 1;
  // Were the watch holding the only pooled connection, the request beside it would wait for it
  // until this deadline and fail, rather than hang the test.
  options.transport.request_timeout = 10s;
  Env env({}, options);
  // What the coroutine saw, filled in as it goes: no braced temporaries around a co_await, which
  // GCC 12 destroys twice.
  std::string failure;
  TestApiStats during;  // while the watch is open, after a request beside it
  run(env.io, [&]() -> boost::asio::awaitable<bool> {
    auto first = co_await env.client->get(kNamespaces, "", "default");
    if (!first.ok()) {
      failure = "get: " + first.error->to_string();
      co_return false;
    }
    const kube::WatchOptions watch_options{.timeout = std::chrono::seconds(30)};
    auto watch = co_await env.client->watch(kConfigMaps, "default", watch_options);
    if (!watch.ok()) {
      failure = "watch: " + watch.error->to_string();
      co_return false;
    }
    auto beside = co_await env.client->get(kNamespaces, "", "default");
    if (beside.ok()) {
      during = co_await read_stats(*env.client);
    } else {
      failure = "get beside the watch: " + beside.error->to_string();
    }
    watch.stream->close();
    co_return true;
  }());
  INFO(failure);
  REQUIRE(failure.empty());
  // The pooled connection (used by both gets and the stats request) and the watch's.
  CHECK(during.connections_accepted == 2);
  CHECK(during.connections_open == 2);
}

TEST_CASE("a pooled connection idle for idle_timeout is closed, not reused", "[testapi]") {
  base::FakeClock clock;
  kube::ClientOptions options;
  options.clock = &clock;
  // The frozen clock refills no tokens: room for the polling below.
  options.throttle.burst = 100'000;
  options.transport.idle_timeout = 90s;
  Env env({}, options);
  REQUIRE(run(env.io, env.client->get(kNamespaces, "", "default")).ok());

  clock.advance(90s - 1ms);
  CHECK(testapi_stats(env.io, *env.client).connections_accepted == 1);  // reused, just in time

  clock.advance(90s);  // idle since the stats request: exactly the idle timeout
  const TestApiStats after = testapi_stats(env.io, *env.client);
  CHECK(after.connections_accepted == 2);
  // Closed by the client, not merely left aside: the server sees it go.
  CHECK(eventually([&] { return testapi_stats(env.io, *env.client).connections_open == 1; }));
}
