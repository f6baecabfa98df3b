// The transport's connect, request and watch idle deadlines, and its keepalive probes: a peer that
// stops answering costs a request its deadline, no more, and the error says which deadline passed.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <sstream>

#include "client_env.hpp"
#include "kube/watch.hpp"

using namespace steward;
using namespace steward::test;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// For each established IPv4 connection to `port` (this process's side of it: the remote port is
// the server's), the time left on its keepalive timer, from /proc/net/tcp ("tr" 2 is keepalive,
// "tm->when" in clock ticks).
std::vector<std::chrono::seconds> keepalive_timers_to(unsigned short port) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // the header
  std::vector<std::chrono::seconds> timers;
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer;
    fields >> slot >> local >> remote >> state >> queues >> timer;
    if (state != "01" || std::stoul(remote.substr(remote.find(':') + 1), nullptr, 16) != port) {
      continue;
    }
    if (timer.rfind("02:", 0) != 0) continue;
    timers.emplace_back(std::stol(timer.substr(3), nullptr, 16) / ticks_per_second);
  }
  return timers;
}

}  // namespace

TEST_CASE("a peer that never answers the TLS handshake fails the request at the connect deadline") {
  boost::asio::io_context io;
  // Listening, never accepting: the kernel completes the TCP handshake from the backlog, and then
  // nobody speaks TLS.
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  kube::RestConfig config;
  config.server = kube::parse_server_url("https://127.0.0.1:" +
                                         std::to_string(silent.local_endpoint().port()));
  kube::ClientOptions options;
  options.retry.max_attempts = 1;
  options.transport.connect_timeout = 500ms;
  kube::Client client(io, config, options);

  const auto started = std::chrono::steady_clock::now();
  auto reply = run(io, client.get(kNamespaces, "", "default"));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  REQUIRE(reply.error);
  CHECK(reply.error->is_transport_failure());
  CHECK(reply.error->is_timeout());
  CHECK(contains(reply.error->message(), "TLS handshake"));
  CHECK(contains(reply.error->message(), "connect deadline 500 ms"));
  // Asio's timers never fire early; the upper bound leaves a busy machine seconds.
  CHECK(elapsed >= 500ms);
  CHECK(elapsed < 10s);
}

TEST_CASE("a server that reads the request and never answers fails it at the request deadline",
          "[testapi]") {
  kube::ClientOptions options;
  options.retry.max_attempts = 1;
  options.transport.request_timeout = 500ms;
  options.transport.pool_size = 1;
  Env env({}, options);
  REQUIRE(run(env.io, post_faults(*env.client, R"({"latencyMs":60000})")).ok());

  // Two at once on a pool of one: the second waits for the first's connection, and that wait
  // counts against its deadline too.
  std::vector<std::optional<kube::ApiError>> errors;
  std::vector<std::chrono::steady_clock::duration> elapsed;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 2; ++i) {
    boost::asio::co_spawn(env.io, env.client->get(kNamespaces, "", "default"),
                          [&](std::exception_ptr e, kube::ObjectReply reply) {
                            CHECK_FALSE(e);
                            errors.push_back(reply.error);
                            elapsed.push_back(std::chrono::steady_clock::now() - started);
                          });
  }
  env.io.restart();
  env.io.run();
  REQUIRE(errors.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    INFO("request " << i);
    REQUIRE(errors[i]);
    CHECK(errors[i]->is_timeout());
    CHECK(contains(errors[i]->message(), "request deadline 500 ms"));
    CHECK(elapsed[i] >= 500ms);
    CHECK(elapsed[i] < 10s);
  }
}

TEST_CASE("a watch that hears nothing within its idle deadline ends as idle, before its own timeout",
          "[testapi]") {
  // Bookmarks an hour apart: the watch below hears nothing at all.
  Env env({"--bookmark-interval", "3600"});
  env.make_namespace("quiet");
  const kube::WatchOptions options{.timeout = 5s, .idle_timeout = 500ms};
  auto watch = run(env.io, env.client->watch(kConfigMaps, "quiet", options));
  REQUIRE(watch.ok());
  const auto started = std::chrono::steady_clock::now();
  const auto event = run(env.io, watch.stream->next());
  const auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK_FALSE(event);
  // Not the server's clean end at timeoutSeconds.
  CHECK(watch.stream->went_idle());
  REQUIRE(watch.stream->ended_error());
  CHECK(contains(watch.stream->ended_error()->message(), "idle deadline 500 ms"));
  CHECK(elapsed >= 500ms);
  CHECK(elapsed < 5s);
}

TEST_CASE("connections to the server send their first keepalive probe after 30 s idle, not 2 h",
          "[testapi]") {
  Env env;
  REQUIRE(run(env.io, env.client->get(kNamespaces, "", "default")).ok());
  // The request's connection now waits in the pool, idle.
  const auto timers = keepalive_timers_to(config_for(env.server).server.port);
  REQUIRE_FALSE(timers.empty());
  for (const auto left : timers) CHECK(left <= 30s);
}
