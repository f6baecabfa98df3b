// The Namespace contents check's rules (namespace_contents.hpp): what it lists, what it lets pass,
// how it names what blocked a prune. The check over an API server is in
// namespace_contents_integration_test.cpp.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "reconcile/namespace_contents.hpp"
#include "support/json.hpp"

using namespace steward;
using reconcile::made_for_every_namespace;
using reconcile::NamespaceContents;
using test::parse_json;

namespace {

const kube::ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};
const kube::ResourceType kSecrets{"", "v1", "secrets", "Secret", true};
const kube::ResourceType kServiceAccounts{"", "v1", "serviceaccounts", "ServiceAccount", true};
const kube::ResourceType kWidgets{"example.com", "v1", "widgets", "Widget", true};

std::string token_secret(const std::string& account, const std::string& type) {
  return R"({"metadata":{"name":")" + account + R"(-token-x7k2p","annotations":{)"
         R"("kubernetes.io/service-account.name":")" + account + R"("}},"type":")" + type + R"("})";
}

}  // namespace

TEST_CASE("the contents check lists each namespaced listable resource once, and no Events") {
  kube::ResourceType bindings{"", "v1", "bindings", "Binding", true};
  bindings.listable = false;
  const std::vector<kube::ResourceType> served = {
      kConfigMaps,
      {"", "v1", "events", "Event", true},
      {"events.k8s.io", "v1", "events", "Event", true},
      {"events.k8s.io", "v1beta1", "events", "Event", true},
      {"", "v1", "namespaces", "Namespace", false},
      bindings,
      {"autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true},
      {"autoscaling", "v2beta2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true},
      kWidgets,
  };
  std::vector<std::string> listed;
  for (const auto& type : reconcile::resources_to_check(served)) {
    listed.push_back(type.api_version() + " " + type.resource);
  }
  CHECK(listed == std::vector<std::string>{"v1 configmaps", "autoscaling/v1 horizontalpodautoscalers",
                                           "example.com/v1 widgets"});
}

TEST_CASE("what kube-controller-manager puts in every namespace does not block its prune") {
  CHECK(made_for_every_namespace(kServiceAccounts, parse_json(R"({"metadata":{"name":"default"}})")));
  CHECK_FALSE(made_for_every_namespace(kServiceAccounts, parse_json(R"({"metadata":{"name":"runner"}})")));
  CHECK(made_for_every_namespace(kConfigMaps, parse_json(R"({"metadata":{"name":"kube-root-ca.crt"}})")));
  CHECK_FALSE(made_for_every_namespace(kConfigMaps, parse_json(R"({"metadata":{"name":"default"}})")));
  CHECK(made_for_every_namespace(kSecrets,
                                 parse_json(token_secret("default", "kubernetes.io/service-account-token"))));
  // Another account's token, or a Secret that only looks like a token, is someone's.
  CHECK_FALSE(made_for_every_namespace(
      kSecrets, parse_json(token_secret("runner", "kubernetes.io/service-account-token"))));
  CHECK_FALSE(made_for_every_namespace(kSecrets, parse_json(token_secret("default", "Opaque"))));
  // The names count only for their own resource.
  CHECK_FALSE(made_for_every_namespace(kWidgets, parse_json(R"({"metadata":{"name":"default"}})")));
  CHECK_FALSE(made_for_every_namespace(kWidgets, parse_json(R"({"metadata":{"name":"kube-root-ca.crt"}})")));
}

TEST_CASE("a kept Namespace is described by what it holds and what could not be listed") {
  const NamespaceContents one{.foreign = {"ConfigMap team/foreign"}};
  CHECK_FALSE(one.empty());
  CHECK_THAT(one.describe("team"),
             Catch::StartsWith("Namespace team kept: it holds ConfigMap team/foreign, which "
                               "steward did not make (") &&
                 Catch::Contains("steward.dev/prune: namespace-contents"));
  const NamespaceContents many{
      .foreign = {"ConfigMap t/a", "Secret t/b", "Service t/c", "Role t/d", "Lease t/e"},
      .unlisted = {"widgets.example.com (403 Forbidden)"}};
  CHECK_THAT(many.describe("t"),
             Catch::Contains("it holds ConfigMap t/a, Secret t/b, Service t/c and 2 more, which "
                             "steward did not make; cannot list widgets.example.com (403 "
                             "Forbidden)"));
  CHECK(NamespaceContents{}.empty());
}

TEST_CASE("a Namespace whose manifest said steward.dev/prune: namespace-contents skips the check") {
  // namespace(VALUE, MANAGER): the annotation, written by MANAGER's managedFields entry.
  const auto with = [](const std::string& value, const std::string& manager,
                       const std::string& operation) {
    return parse_json(
        R"({"metadata":{"name":"t","annotations":{"steward.dev/prune":")" + value +
        R"("},"managedFields":[{"manager":")" + manager + R"(","operation":")" + operation +
        R"(","fieldsV1":{"f:metadata":{"f:annotations":{"f:steward.dev/prune":{}}}}}]}})");
  };
  CHECK(reconcile::prunes_with_contents(with("namespace-contents", "steward", "Apply")));
  CHECK_FALSE(reconcile::prunes_with_contents(with("yes", "steward", "Apply")));
  // Set on the live object by someone else: it does not widen the delete.
  CHECK_FALSE(reconcile::prunes_with_contents(with("namespace-contents", "kubectl-annotate", "Update")));
  CHECK_FALSE(reconcile::prunes_with_contents(with("namespace-contents", "steward", "Update")));
  CHECK_FALSE(reconcile::prunes_with_contents(parse_json(
      R"({"metadata":{"name":"t","annotations":{"steward.dev/prune":"namespace-contents"}}})")));
  CHECK_FALSE(reconcile::prunes_with_contents(parse_json(R"({"metadata":{"name":"t"}})")));
}
