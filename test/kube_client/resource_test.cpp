#include <catch2/catch.hpp>

#include "kube/resource.hpp"

using steward::kube::ResourceType;

TEST_CASE("paths for core, named-group, namespaced and cluster-scoped resources") {
  const ResourceType configmaps{"", "v1", "configmaps", "ConfigMap", true};
  const ResourceType deployments{"apps", "v1", "deployments", "Deployment", true};
  const ResourceType namespaces{"", "v1", "namespaces", "Namespace", false};
  const ResourceType crds{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                          "CustomResourceDefinition", false};

  CHECK(configmaps.collection_path("default") == "/api/v1/namespaces/default/configmaps");
  CHECK(configmaps.collection_path("") == "/api/v1/configmaps");
  CHECK(configmaps.object_path("ns", "a") == "/api/v1/namespaces/ns/configmaps/a");
  CHECK(deployments.object_path("ns", "web") == "/apis/apps/v1/namespaces/ns/deployments/web");
  CHECK(namespaces.object_path("ignored", "prod") == "/api/v1/namespaces/prod");
  CHECK(crds.collection_path("x") == "/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
  CHECK(deployments.api_version() == "apps/v1");
  CHECK(configmaps.api_version() == "v1");
  CHECK(deployments.qualified_resource() == "deployments.apps");
}

TEST_CASE("query values are percent-encoded") {
  CHECK(steward::kube::url_encode("app.kubernetes.io/managed-by=steward") ==
        "app.kubernetes.io%2Fmanaged-by%3Dsteward");
  CHECK(steward::kube::url_encode("env in (a,b)") == "env%20in%20%28a%2Cb%29");
  CHECK(steward::kube::split_api_version("apps/v1").first == "apps");
  CHECK(steward::kube::split_api_version("v1").first.empty());
}
