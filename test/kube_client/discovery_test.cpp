// Discovery against steward-testapi: what it maps.
#include <catch2/catch.hpp>

#include "client_env.hpp"
#include "kube/discovery.hpp"

using namespace steward;
using namespace steward::test;

TEST_CASE("discovery maps kinds to resources and scope") {
  Env env;
  kube::Discovery discovery(*env.client);
  REQUIRE_FALSE(run(env.io, discovery.refresh()).has_value());
  CHECK(discovery.resource_count() >= 10);
  auto deployments = discovery.find("apps/v1", "Deployment");
  REQUIRE(deployments);
  CHECK(deployments->resource == "deployments");
  CHECK(deployments->namespaced);
  auto namespaces = discovery.find("v1", "Namespace");
  REQUIRE(namespaces);
  CHECK_FALSE(namespaces->namespaced);
  CHECK_FALSE(discovery.find("example.com/v1", "Widget").has_value());
}
