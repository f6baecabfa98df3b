// The gates in front of every request, against steward-testapi: the throttle really makes
// requests wait.
#include <catch2/catch.hpp>

#include "client_env.hpp"

using namespace steward;
using namespace steward::test;
using namespace std::chrono_literals;

TEST_CASE("requests wait for the token bucket: at 20 qps and burst 1 the 11th comes after 0.5 s") {
  kube::ClientOptions options;
  options.qps = 20;
  options.burst = 1;
  Env env({}, options);
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 11; ++i) {
    REQUIRE(run(env.io, env.client->get(kNamespaces, "", "default")).ok());
  }
  // The first takes the burst's token, each later one waits 50 ms for its own. A lower bound
  // only: a busy machine is slower, never faster.
  CHECK(std::chrono::steady_clock::now() - started >= 450ms);
}
