// The gates in front of every request, against steward-testapi: the throttle really makes
// requests wait, and the circuit breaker's gauge tells the truth while no request comes.
#include <catch2/catch.hpp>

#include "base/clock.hpp"
#include "client_env.hpp"
#include "support/metrics.hpp"

using namespace steward;
using namespace steward::test;
using namespace std::chrono_literals;

TEST_CASE("requests wait for the token bucket: at 20 qps and burst 1 the 11th comes after 0.5 s") {
  kube::ClientOptions options;
  options.throttle.qps = 20;
  options.throttle.burst = 1;
  // Set by the user, as in the config file: steward-testapi answers as a server with API Priority
  // and Fairness does, and the adaptive throttle never goes above a qps the user set.
  options.throttle.qps_is_bound = true;
  options.throttle.burst_is_bound = true;
  Env env({}, options);
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 11; ++i) {
    REQUIRE(run(env.io, env.client->get(kNamespaces, "", "default")).ok());
  }
  // The first takes the burst's token, each later one waits 50 ms for its own. A lower bound
  // only: a busy machine is slower, never faster.
  CHECK(std::chrono::steady_clock::now() - started >= 450ms);
}

TEST_CASE("the breaker gauge shows half-open once the open period ends, with no request to probe",
          "[testapi]") {
  base::FakeClock clock;
  kube::ClientOptions options;
  options.retry.max_attempts = 1;
  options.clock = &clock;
  options.breaker.open_for = std::chrono::seconds(30);  // a fixed 30 s open period
  Env env({}, options);
  const std::map<std::string, std::string> host{{"host", env.client->config().server.authority()}};
  const auto gauge = [&] {
    env.client->update_metrics();  // what the metrics server does before each scrape
    return metric_value(env.registry, "steward_api_circuit_breaker_state", host);
  };
  REQUIRE(run(env.io, post_faults(*env.client, R"({"errorRate":1.0,"errorCodes":[503]})")).ok());
  for (int i = 0; i < 5; ++i) {
    REQUIRE(run(env.io, env.client->get(kNamespaces, "", "default")).error);
  }
  CHECK(gauge() == 2);  // open
  clock.advance(29s);
  CHECK(gauge() == 2);
  clock.advance(1s);
  CHECK(env.client->breaker_state() == kube::CircuitBreaker::State::half_open);
  CHECK(gauge() == 1);  // half-open, though nothing has been sent since it opened

  // The probe (lifting the fault) and one more success close it; requests set the gauge themselves.
  REQUIRE(run(env.io, post_faults(*env.client, R"({"reset":true})")).ok());
  REQUIRE(run(env.io, env.client->get(kNamespaces, "", "default")).ok());
  CHECK(env.client->breaker_state() == kube::CircuitBreaker::State::closed);
  CHECK(metric_value(env.registry, "steward_api_circuit_breaker_state", host) == 0);
}

TEST_CASE("the throttle turns adaptive on a server with API Priority and Fairness, and halves on "
          "its 429", "[testapi]") {
  kube::ClientOptions options;
  options.retry.max_attempts = 1;
  Env env({}, options);
  const std::map<std::string, std::string> host{{"host", env.client->config().server.authority()}};
  const auto gauge = [&](const std::string& name) { return metric_value(env.registry, name, host); };
  CHECK(gauge("steward_api_rate_limit_adaptive") == 0);
  CHECK(gauge("steward_api_rate_limit") == 50);
  REQUIRE(run(env.io, env.client->get(kNamespaces, "", "default")).ok());
  CHECK(gauge("steward_api_rate_limit_adaptive") == 1);
  REQUIRE(run(env.io, post_faults(*env.client,
      R"({"failRequests":[{"method":"GET","path":"/api/v1/namespaces/default","code":429,"count":1}]})")).ok());
  CHECK(run(env.io, env.client->get(kNamespaces, "", "default")).error->code() == 429);
  CHECK(gauge("steward_api_rate_limit") == 25);
}

TEST_CASE("the throttle stays fixed on a server without API Priority and Fairness", "[testapi]") {
  kube::ClientOptions options;
  options.retry.max_attempts = 1;
  Env env({"--no-priority-and-fairness"}, options);
  const std::map<std::string, std::string> host{{"host", env.client->config().server.authority()}};
  REQUIRE(run(env.io, post_faults(*env.client,
      R"({"failRequests":[{"method":"GET","path":"/api/v1/namespaces/default","code":429,"count":1}]})")).ok());
  CHECK(run(env.io, env.client->get(kNamespaces, "", "default")).error->code() == 429);
  CHECK(metric_value(env.registry, "steward_api_rate_limit_adaptive", host) == 0);
  CHECK(metric_value(env.registry, "steward_api_rate_limit", host) == 50);
}
