// Discovery against steward-testapi: what it maps, and how often a kind it does not know sends it
// back to the server (counted on the server, /_testapi/stats).
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>

#include "base/clock.hpp"
#include "client_env.hpp"
#include "kube/discovery.hpp"

using namespace steward;
using namespace steward::test;
using namespace std::chrono_literals;

TEST_CASE("discovery maps kinds to resources and scope") {
  Env env;
  kube::Discovery discovery(*env.client);
  REQUIRE_FALSE(run(env.io, discovery.refresh()).has_value());
  CHECK(discovery.resource_count() >= 10);
  auto deployments = discovery.find("apps/v1", "Deployment");
  REQUIRE(deployments);
  CHECK(deployments->resource == "deployments");
  CHECK(deployments->namespaced);
  CHECK(deployments->listable);  // its verbs include list
  CHECK(deployments->status_subresource);  // deployments/status is listed
  auto config_maps = discovery.find("v1", "ConfigMap");
  REQUIRE(config_maps);
  CHECK_FALSE(config_maps->status_subresource);  // no configmaps/status
  auto namespaces = discovery.find("v1", "Namespace");
  REQUIRE(namespaces);
  CHECK_FALSE(namespaces->namespaced);
  CHECK_FALSE(discovery.find("example.com/v1", "Widget").has_value());
}

TEST_CASE("a burst of lookups of an unknown kind reads discovery once per interval, and a CRD "
          "created later is found after it",
          "[testapi]") {
  base::FakeClock clock;
  Env env;
  kube::Discovery discovery(*env.client, {.min_refresh_interval = 10s, .clock = &clock});
  const auto unknown = [](const kube::ResolveResult& result) {
    return !result.error && !result.type;
  };

  // Twenty lookups at once (an informer per unknown kind would do this), then twenty in a row.
  int misses = 0;
  for (int i = 0; i < 20; ++i) {
    boost::asio::co_spawn(env.io, discovery.resolve("example.com/v1", "Widget"),
                          [&](std::exception_ptr e, kube::ResolveResult result) {
                            if (!e && unknown(result)) ++misses;
                          });
  }
  env.io.restart();
  env.io.run();
  CHECK(misses == 20);
  for (int i = 0; i < 20; ++i) {
    CHECK(unknown(run(env.io, discovery.resolve("example.com/v1", "Widget"))));
  }
  TestApiStats stats = testapi_stats(env.io, *env.client);
  CHECK(stats.discovery("/api") == 1);
  CHECK(stats.discovery("/apis") == 1);

  const kube::ResourceType crds{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                                "CustomResourceDefinition", false};
  const auto widget_crd = parse_json(R"({
    "apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
    "metadata":{"name":"widgets.example.com"},
    "spec":{"group":"example.com","scope":"Namespaced",
            "names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList"},
            "versions":[{"name":"v1","served":true,"storage":true,
                         "schema":{"openAPIV3Schema":{"type":"object"}}}]}})");
  REQUIRE(run(env.io, env.client->create(crds, "", widget_crd)).ok());
  clock.advance(10s - 1ms);
  CHECK(unknown(run(env.io, discovery.resolve("example.com/v1", "Widget"))));  // not yet asked
  CHECK(testapi_stats(env.io, *env.client).discovery("/apis") == 1);

  clock.advance(1ms);
  const auto found = run(env.io, discovery.resolve("example.com/v1", "Widget"));
  REQUIRE(found.type);
  CHECK(found.type->resource == "widgets");
  CHECK(found.type->namespaced);
  stats = testapi_stats(env.io, *env.client);
  CHECK(stats.discovery("/api") == 2);
  CHECK(stats.discovery("/apis") == 2);
  CHECK(stats.discovery("/apis/example.com/v1") == 1);
}

TEST_CASE("a failed discovery read does not make the next lookup answer not served", "[testapi]") {
  base::FakeClock clock;
  kube::ClientOptions options;
  options.retry.max_attempts = 1;
  Env env({}, options);
  kube::Discovery discovery(*env.client, {.min_refresh_interval = 10s, .clock = &clock});
  REQUIRE(run(env.io, post_faults(*env.client, R"({"errorRate":1.0,"errorCodes":[503]})")).ok());
  const auto failed = run(env.io, discovery.resolve("apps/v1", "Deployment"));
  REQUIRE(failed.error);
  CHECK(failed.error->code() == 503);

  // At the same instant, the server well again: the failed read held no claim, so this lookup
  // reads discovery instead of answering from an empty table that the kind is not served.
  REQUIRE(run(env.io, post_faults(*env.client, R"({"reset":true})")).ok());
  const auto found = run(env.io, discovery.resolve("apps/v1", "Deployment"));
  CHECK_FALSE(found.error);
  REQUIRE(found.type);
  CHECK(found.type->resource == "deployments");
}
