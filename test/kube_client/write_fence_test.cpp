// The write fence (kube/write_fence.hpp): a client with a fence sends a write only while it is
// open, checks it again before every retry, and cuts a write on the wire when it closes. Reads,
// watches and reviews pass a closed fence.
#include "kube/write_fence.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "client_env.hpp"

using namespace steward;
using namespace steward::test;
using namespace std::chrono_literals;

namespace {

const std::string kPath = "/api/v1/namespaces/default/configmaps";

// The write log's entries for `path`.
std::vector<TestApiWrite> writes_to(Env& env, const std::string& path) {
  std::vector<TestApiWrite> found;
  for (auto& w : run(env.io, testapi_writes(*env.client))) {
    if (w.path == path) found.push_back(std::move(w));
  }
  return found;
}

// Polls `done` every 10 ms on the io thread until it holds (or 30 s pass), then runs `then`.
boost::asio::awaitable<void> when(std::function<bool()> done, std::function<void()> then) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(10ms);
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  then();
}

// Creates ConfigMap default/`name` while `meanwhile` runs on the same io thread; the create's reply.
kube::ObjectReply create_while(Env& env, const std::string& name,
                               boost::asio::awaitable<void> meanwhile) {
  // Alive until the create has run: co_spawn starts it later, past this statement.
  const rapidjson::Document object = configmap("default", name);
  std::optional<kube::ObjectReply> reply;
  boost::asio::co_spawn(env.io, env.client->create(kConfigMaps, "default", object),
                        [&](std::exception_ptr e, kube::ObjectReply r) {
                          CHECK_FALSE(e);
                          reply = std::move(r);
                        });
  boost::asio::co_spawn(env.io, std::move(meanwhile), boost::asio::detached);
  env.io.restart();
  env.io.run();
  REQUIRE(reply);
  return std::move(*reply);
}

}  // namespace

TEST_CASE(
    "a closed write fence sends no write but lets reads and "
    "fence-passing requests through",
    "[testapi]") {
  kube::WriteFence fence(false);
  Env env({}, kube::ClientOptions{.fence = &fence});

  auto created =
      run(env.io, env.client->create(kConfigMaps, "default", configmap("default", "fenced")));
  REQUIRE(created.error);
  CHECK(created.error->is_fenced());
  CHECK_FALSE(created.error->retryable());
  CHECK(created.error->message().find("leadership lost") != std::string::npos);
  CHECK(writes_to(env, kPath).empty());

  // A read goes through; so does a POST that changes nothing in the cluster.
  CHECK(run(env.io, env.client->get(kNamespaces, "", "default")).ok());
  CHECK(run(env.io, post_faults(*env.client, R"({"reset":true})")).ok());

  fence.open();
  CHECK(
      run(env.io, env.client->create(kConfigMaps, "default", configmap("default", "fenced"))).ok());
  CHECK(writes_to(env, kPath).size() == 1);
}

TEST_CASE(
    "a write fence closed between attempts ends the retries: no attempt "
    "after it closed",
    "[testapi]") {
  kube::WriteFence fence(true);
  kube::ClientOptions options{.fence = &fence};
  options.retry.max_attempts = 5;
  Env env({}, options);
  // Every create of this path fails with 503 and Retry-After 1 s: without the fence, five
  // attempts about a second apart.
  REQUIRE(
      run(env.io, post_faults(*env.client, R"({"failRequests":[{"method":"POST","path":")" + kPath +
                                               R"(","code":503}],"retryAfterSeconds":1})"))
          .ok());
  kube::Client observer(env.io, config_for(env.server));  // no fence: reads the write log

  // As soon as the server has answered the first attempt, leadership "ends".
  std::size_t seen = 0;
  const kube::ObjectReply reply =
      create_while(env, "retried", [&]() -> boost::asio::awaitable<void> {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (seen == 0 && std::chrono::steady_clock::now() < deadline) {
          for (const auto& w : co_await testapi_writes(observer)) seen += w.path == kPath;
        }
        fence.close();
      }());
  REQUIRE(reply.error);
  CHECK(reply.error->is_fenced());
  CHECK(seen == 1);
  CHECK(writes_to(env, kPath).size() == 1);
}

TEST_CASE("closing a write fence cuts the write on the wire at once", "[testapi]") {
  kube::WriteFence fence(true);
  kube::ClientOptions options{.fence = &fence};
  options.retry.max_attempts = 5;
  Env env({}, options);
  // The server holds every answer for a minute: the create sits on the wire.
  REQUIRE(run(env.io, post_faults(*env.client, R"({"latencyMs":60000})")).ok());

  std::chrono::steady_clock::time_point closed;
  const kube::ObjectReply reply = create_while(env, "cut",
                                               when([&] { return fence.in_flight() == 1; },
                                                    [&] {
                                                      closed = std::chrono::steady_clock::now();
                                                      fence.close();
                                                    }));
  const auto answered = std::chrono::steady_clock::now();
  REQUIRE(reply.error);
  CHECK(reply.error->is_fenced());
  CHECK(fence.in_flight() == 0);
  // Cut at once, not at the minute the server would take (nor the 60 s request deadline).
  CHECK(answered - closed < 5s);
}
