// The Namespace contents check (namespace_contents.hpp) against an API server: steward-testapi, or
// a real kube-apiserver (STEWARD_REAL_APISERVER_KUBECONFIG) for the cases not tagged [testapi].
// Neither runs kube-controller-manager, so the test writes what its controllers would put in every
// namespace itself.
#include <catch2/catch.hpp>

#include <prometheus/registry.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "kube/discovery.hpp"
#include "kube/kubeconfig.hpp"
#include "reconcile/namespace_contents.hpp"
#include "reconcile/ownership.hpp"
#include "support/async.hpp"
#include "support/metrics.hpp"
#include "support/testapi_admin.hpp"
#include "support/testapi_process.hpp"

using namespace steward;
using namespace steward::test;

namespace {

const kube::ResourceType kNamespaces{"", "v1", "namespaces", "Namespace", false};
const kube::ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};
const kube::ResourceType kSecrets{"", "v1", "secrets", "Secret", true};
const kube::ResourceType kServiceAccounts{"", "v1", "serviceaccounts", "ServiceAccount", true};
const kube::ResourceType kCoreEvents{"", "v1", "events", "Event", true};

struct ContentsEnv {
  TestApiServer server;
  Loop loop;
  prometheus::Registry registry;  // the checking client's requests
  kube::Client client{loop.io, rest_config(), {.registry = &registry}};
  kube::Client other{loop.io, rest_config()};
  kube::Discovery discovery{client};
  // A namespace per test: on a real server every test of the run shares one server.
  std::string ns = "contents-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++);

  ContentsEnv() {
    create(kNamespaces, "", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + ns +
                                R"("}})");
    REQUIRE_FALSE(loop.sync(discovery.refresh()).has_value());
  }
  static std::atomic<int>& counter() {
    static std::atomic<int> n{0};
    return n;
  }
  kube::RestConfig rest_config() const {
    kube::KubeconfigOptions options;
    options.explicit_path = server.kubeconfig();
    return kube::load_kubeconfig(options);
  }
  void create(const kube::ResourceType& type, const std::string& in, const std::string& body) {
    const auto reply = loop.sync(other.create(type, in, json(body)));
    INFO(body);
    REQUIRE(reply.ok());
  }
  // What kube-controller-manager v1.20 writes into every new namespace.
  void add_what_controllers_add() {
    create(kServiceAccounts, ns,
           R"({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"default"}})");
    create(kConfigMaps, ns,
           R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kube-root-ca.crt"},)"
           R"("data":{"ca.crt":"x"}})");
    create(kSecrets, ns,
           R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"default-token-x7k2p",)"
           R"("annotations":{"kubernetes.io/service-account.name":"default"}},)"
           R"("type":"kubernetes.io/service-account-token"})");
  }
  std::vector<kube::ResourceType> resources() const {
    return reconcile::resources_to_check(discovery.resources());
  }
  reconcile::NamespaceContents check() {
    return loop.sync(reconcile::check_namespace_contents(
        client, resources(), ns, [](const rapidjson::Value& object) {
          return !reconcile::owning_source(object).empty() &&
                 reconcile::applied_by(object, "steward");
        }));
  }
  double lists() const {
    return metric_value(registry, "rest_client_requests_total", {{"method", "GET"}}).value_or(0);
  }
};

}  // namespace

TEST_CASE("a Namespace holding only what every namespace gets, Events and steward's own is empty") {
  ContentsEnv env;
  env.add_what_controllers_add();
  env.create(kCoreEvents, env.ns,
             R"({"apiVersion":"v1","kind":"Event","metadata":{"name":"e1"},)"
             R"("involvedObject":{"kind":"ConfigMap","name":"x","namespace":")" + env.ns +
                 R"("},"reason":"Pruned","message":"m","type":"Normal"})");
  // steward's: its marks, and the server's record of its apply.
  REQUIRE(env.loop.sync(env.other.apply(kConfigMaps, env.ns,
      json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app",)"
           R"("labels":{"app.kubernetes.io/managed-by":"steward"},)"
           R"("annotations":{"steward.dev/source":"s"}}})"),
      kube::ApplyOptions{.field_manager = "steward"})).ok());
  const double lists_before = env.lists();
  const reconcile::NamespaceContents contents = env.check();
  INFO(contents.describe(env.ns));
  CHECK(contents.empty());
  // One list per resource, and one more page for configmaps only, whose first page of one
  // (app) was followed by kube-root-ca.crt: secrets and serviceaccounts hold one object each.
  CHECK(env.lists() - lists_before == static_cast<double>(env.resources().size() + 1));
}

TEST_CASE("a Namespace holding an object steward did not make is not empty, found past a page of "
          "what passes") {
  ContentsEnv env;
  env.add_what_controllers_add();
  // After kube-root-ca.crt in name order: the first page of one holds only what passes.
  env.create(kConfigMaps, env.ns,
             R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"zz-foreign"}})");
  // Marks copied without steward's apply do not make it steward's.
  env.create(kSecrets, env.ns,
             R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"copied",)"
             R"("labels":{"app.kubernetes.io/managed-by":"steward"},)"
             R"("annotations":{"steward.dev/source":"s"}}})");
  const reconcile::NamespaceContents contents = env.check();
  CHECK(contents.foreign == std::vector<std::string>{"ConfigMap " + env.ns + "/zz-foreign",
                                                      "Secret " + env.ns + "/copied"});
  CHECK(contents.unlisted.empty());
}

TEST_CASE("a resource the check cannot list keeps the Namespace", "[testapi]") {
  ContentsEnv env;
  REQUIRE(env.loop.sync(post_faults(env.other,
      R"({"failRequests":[{"method":"GET","path":"/api/v1/namespaces/)" + env.ns +
          R"(/secrets","code":403}]})")).ok());
  const reconcile::NamespaceContents contents = env.check();
  CHECK(contents.foreign.empty());
  REQUIRE(contents.unlisted.size() == 1);
  CHECK_THAT(contents.unlisted[0], Catch::StartsWith("secrets (") && Catch::Contains("403"));
  CHECK_THAT(contents.describe(env.ns), Catch::Contains("cannot list secrets ("));
}
