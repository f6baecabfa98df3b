// Informers against steward-testapi: dynamic start and stop, CRDs that appear later, handlers.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "informer/informer_manager.hpp"
#include "kube/kubeconfig.hpp"
#include "support/testapi_process.hpp"

using namespace steward;
using steward::test::TestApiServer;

namespace {

rapidjson::Document json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

// An io_context running on a thread of its own, as in the daemon.
struct Loop {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~Loop() {
    guard.reset();
    io.stop();
    thread.join();
  }
  template <typename T>
  T sync(boost::asio::awaitable<T> work) {
    return boost::asio::co_spawn(io, std::move(work), boost::asio::use_future).get();
  }
};

// Waits for `done()` with a generous deadline; no fixed sleeps.
template <typename Predicate>
bool eventually(Predicate done, std::chrono::seconds deadline = std::chrono::seconds(30)) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

struct Recorder {
  std::mutex mu;
  std::vector<std::string> seen;
  informer::ResourceEventHandlers handlers() {
    return {[this](const informer::ObjectPtr& o) { record("add " + informer::object_key(*o)); },
            [this](const informer::ObjectPtr&, const informer::ObjectPtr& o) {
              record("update " + informer::object_key(*o));
            },
            [this](const informer::ObjectPtr& o) { record("delete " + informer::object_key(*o)); }};
  }
  void record(std::string what) {
    std::lock_guard guard(mu);
    seen.push_back(std::move(what));
  }
  bool has(const std::string& what) {
    std::lock_guard guard(mu);
    return std::find(seen.begin(), seen.end(), what) != seen.end();
  }
};

const kube::ResourceType kNamespaces{"", "v1", "namespaces", "Namespace", false};
const kube::ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};
const kube::ResourceType kCrds{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                               "CustomResourceDefinition", false};

struct Env {
  TestApiServer server;
  Loop loop;
  kube::Client client;
  kube::Discovery discovery;
  informer::InformerManager manager;

  Env()
      : client(loop.io, [&] {
          kube::KubeconfigOptions options;
          options.explicit_path = server.kubeconfig();
          return kube::load_kubeconfig(options);
        }()),
        discovery(client, {.min_refresh_interval = std::chrono::milliseconds(100)}),
        manager(loop.io, client, discovery,
                {.unknown_kind_backoff = {.initial = std::chrono::milliseconds(50),
                                          .max = std::chrono::milliseconds(200),
                                          .factor = 2,
                                          .jitter = 0,
                                          .reset_after = {}}}) {}
  ~Env() { manager.stop(); }
};

}  // namespace

TEST_CASE("an informer starts on first subscription, syncs, follows changes and stops on the last") {
  Env env;
  REQUIRE(env.loop.sync(env.client.create(kNamespaces, "", json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"inf"}})"))).ok());
  REQUIRE(env.loop.sync(env.client.create(kConfigMaps, "inf", json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"inf","name":"before"}})"))).ok());

  Recorder first;
  Recorder second;
  auto a = env.manager.subscribe("v1", "ConfigMap", first.handlers());
  REQUIRE(eventually([&] { return env.manager.synced(); }));
  CHECK(first.has("add inf/before"));

  // A second consumer shares the informer and is given the cache first.
  auto b = env.manager.subscribe("v1", "ConfigMap", second.handlers());
  CHECK(env.manager.informer_count() == 1);
  REQUIRE(eventually([&] { return second.has("add inf/before"); }));

  REQUIRE(env.loop.sync(env.client.create(kConfigMaps, "inf", json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"inf","name":"after"}})"))).ok());
  REQUIRE(eventually([&] { return first.has("add inf/after") && second.has("add inf/after"); }));
  REQUIRE(env.loop.sync(env.client.remove(kConfigMaps, "inf", "before")).ok());
  REQUIRE(eventually([&] { return first.has("delete inf/before"); }));

  env.manager.unsubscribe(a);
  CHECK(env.manager.informer_count() == 1);
  env.manager.unsubscribe(b);
  CHECK(env.manager.informer_count() == 0);
}

TEST_CASE("a kind that is not served yet is waited for, then informed without restarting others") {
  Env env;
  Recorder configmaps;
  Recorder widgets;
  env.manager.subscribe("v1", "ConfigMap", configmaps.handlers());
  env.manager.subscribe("example.com/v1", "Widget", widgets.handlers());
  REQUIRE(eventually([&] { return env.manager.informer_count() == 1; }));
  auto waiting = env.manager.not_ready();
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0].find("example.com/v1/Widget") == 0);
  auto configmap_informer = env.manager.informer("v1", "ConfigMap");

  REQUIRE(env.loop.sync(env.client.create(kCrds, "", json(R"({
    "apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
    "metadata":{"name":"widgets.example.com"},
    "spec":{"group":"example.com","scope":"Namespaced",
            "names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList"},
            "versions":[{"name":"v1","served":true,"storage":true,
                         "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}})"))).ok());
  REQUIRE(eventually([&] { return env.manager.synced(); }));
  CHECK(env.manager.informer_count() == 2);
  CHECK(env.manager.informer("v1", "ConfigMap") == configmap_informer);  // untouched

  const kube::ResourceType widgets_type{"example.com", "v1", "widgets", "Widget", true};
  REQUIRE(env.loop.sync(env.client.create(kNamespaces, "", json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"w"}})"))).ok());
  REQUIRE(env.loop.sync(env.client.create(widgets_type, "w", json(R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"namespace":"w","name":"w1"},"spec":{"size":3}})"))).ok());
  REQUIRE(eventually([&] { return widgets.has("add w/w1"); }));
}
