// Informers against steward-testapi: dynamic start and stop, CRDs that appear later, handlers.
#include <catch2/catch.hpp>

#include "informer_env.hpp"

using namespace steward;
using namespace steward::test;



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
  // Until the ConfigMap informer has synced it is listed as not ready too.
  REQUIRE(eventually([&] {
    const auto informer = env.manager.informer("v1", "ConfigMap");
    return informer && informer->has_synced();
  }));
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

namespace {

void create_labeled(Env& env, const std::string& name, const std::string& app) {
  REQUIRE(env.loop.sync(env.client.create(kConfigMaps, "sel", json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"sel","name":")" + name + R"(","labels":{"app":")" + app + R"("}}})"))).ok());
}

// Gives an existing ConfigMap another app label (a read, then a PUT); returns its new version.
std::string relabel(Env& env, const std::string& name, const std::string& app) {
  auto got = env.loop.sync(env.client.get(kConfigMaps, "sel", name));
  REQUIRE(got.ok());
  auto& object = *got.object;
  object["metadata"]["labels"]["app"].SetString(app.c_str(), object.GetAllocator());
  auto updated = env.loop.sync(env.client.update(kConfigMaps, "sel", object));
  REQUIRE(updated.ok());
  return std::string(kube::string_at(*updated.object, {"metadata", "resourceVersion"}));
}

}  // namespace

// kube-apiserver filters a selector's watch by the object's state before and after each write, so
// an object whose labels stop matching arrives as DELETED carrying its previous (matching) content
// stamped with the write's resourceVersion, and one that starts matching as ADDED: k8s.io/apiserver
// pkg/storage/cacher/cache_watcher.go, cacheWatcher.convertToWatchEvent (the etcd3 watcher's
// transform does the same without the cache). steward-testapi's Watcher::on_event imitates it.
TEST_CASE("an informer with a label selector caches only matching objects, and loses one that stops matching") {
  Env env({}, {}, "app=web");
  REQUIRE(env.loop.sync(env.client.create(kNamespaces, "", json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"sel"}})"))).ok());
  create_labeled(env, "web-1", "web");
  create_labeled(env, "db-1", "db");

  Recorder recorder;
  env.manager.subscribe("v1", "ConfigMap", recorder.handlers());
  REQUIRE(eventually([&] { return env.manager.synced(); }));
  const auto informer = env.manager.informer("v1", "ConfigMap");
  REQUIRE(informer);
  const informer::Store& store = informer->store();
  CHECK(recorder.has("add sel/web-1"));
  CHECK(store.get("sel/db-1") == nullptr);  // not in the list

  // The watch delivers in order: had db-2 come through, it would have come before web-2.
  create_labeled(env, "db-2", "db");
  create_labeled(env, "web-2", "web");
  REQUIRE(eventually([&] { return recorder.has("add sel/web-2"); }));
  CHECK_FALSE(recorder.has("add sel/db-2"));
  CHECK(store.get("sel/db-2") == nullptr);

  const std::string version = relabel(env, "web-1", "db");
  REQUIRE(eventually([&] { return recorder.has("delete sel/web-1"); }));
  CHECK(store.get("sel/web-1") == nullptr);
  const auto gone = recorder.object("delete sel/web-1");
  REQUIRE(gone);
  CHECK(kube::string_at(*gone, {"metadata", "labels", "app"}) == "web");
  CHECK(kube::string_at(*gone, {"metadata", "resourceVersion"}) == version);

  relabel(env, "db-1", "web");
  REQUIRE(eventually([&] { return recorder.has("add sel/db-1"); }));
  CHECK(store.size() == 2);  // web-2 and db-1
  CHECK(store.get("sel/web-2") != nullptr);
  CHECK(store.get("sel/db-1") != nullptr);
}
