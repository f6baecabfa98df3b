#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>

#include "informer/store.hpp"

using namespace steward::informer;

namespace {
ObjectPtr object(const std::string& json) {
  auto doc = std::make_shared<steward::kube::Object>();
  doc->Parse(json.c_str());
  return doc;
}
ObjectPtr cm(const std::string& ns, const std::string& name, const std::string& rv) {
  return object(R"({"metadata":{"namespace":")" + ns + R"(","name":")" + name +
                R"(","resourceVersion":")" + rv + R"("}})");
}
std::vector<std::string> names(const std::vector<ObjectPtr>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(object_key(*o));
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST_CASE("keys are namespace/name, or name for cluster-scoped objects") {
  CHECK(object_key(*cm("ns", "a", "1")) == "ns/a");
  CHECK(object_key(*object(R"({"metadata":{"name":"prod"}})")) == "prod");
  Store store;
  store.upsert(object(R"({"metadata":{"name":"prod"}})"));
  store.upsert(cm("prod", "prod", "1"));
  CHECK(object_key(*store.get("prod")) == "prod");
  CHECK(object_key(*store.get("prod/prod")) == "prod/prod");
  CHECK(store.get("ns/prod") == nullptr);
  CHECK(store.size() == 2);
}

TEST_CASE("upsert and remove return what they replaced, and readers share, never copy") {
  Store store;
  auto v1 = cm("ns", "a", "1");
  CHECK(store.upsert(v1) == nullptr);
  auto v2 = cm("ns", "a", "2");
  CHECK(store.upsert(v2) == v1);
  CHECK(store.get("ns/a") == v2);  // the same pointer: no copy
  CHECK(store.remove("ns/a") == v2);
  CHECK(store.remove("ns/a") == nullptr);
  CHECK(store.size() == 0);
}

TEST_CASE("replace reports added, updated, unchanged and deleted objects") {
  Store store;
  store.upsert(cm("ns", "keep", "1"));
  store.upsert(cm("ns", "change", "1"));
  store.upsert(cm("ns", "gone", "1"));
  auto changes = store.replace({cm("ns", "keep", "1"), cm("ns", "change", "2"), cm("ns", "new", "3")});
  CHECK(names(changes.added) == std::vector<std::string>{"ns/new"});
  CHECK(names(changes.deleted) == std::vector<std::string>{"ns/gone"});
  CHECK(names(changes.unchanged) == std::vector<std::string>{"ns/keep"});
  REQUIRE(changes.updated.size() == 1);
  CHECK(steward::kube::string_at(*changes.updated[0].first, {"metadata", "resourceVersion"}) == "1");
  CHECK(steward::kube::string_at(*changes.updated[0].second, {"metadata", "resourceVersion"}) == "2");
  CHECK(store.size() == 3);

  // A key listed twice: the last one counts.
  changes = store.replace({cm("ns", "twice", "1"), cm("ns", "twice", "2")});
  REQUIRE(changes.added.size() == 1);
  CHECK(steward::kube::string_at(*changes.added[0], {"metadata", "resourceVersion"}) == "2");
  CHECK(store.size() == 1);
}

TEST_CASE("the namespace index and custom indexes follow every change") {
  Store store;
  store.add_index("app", [](const rapidjson::Value& o) {
    auto app = steward::kube::string_at(o, {"metadata", "labels", "app"});
    return app.empty() ? std::vector<std::string>{} : std::vector<std::string>{std::string(app)};
  });
  store.upsert(cm("a", "x", "1"));
  store.upsert(cm("a", "y", "1"));
  store.upsert(cm("b", "x", "1"));
  store.upsert(object(R"({"metadata":{"namespace":"b","name":"web","labels":{"app":"web"}}})"));
  CHECK(names(store.by_index(Store::kNamespaceIndex, "a")) == std::vector<std::string>{"a/x", "a/y"});
  CHECK(names(store.by_index("app", "web")) == std::vector<std::string>{"b/web"});
  store.remove("a/x");
  CHECK(names(store.by_index(Store::kNamespaceIndex, "a")) == std::vector<std::string>{"a/y"});
  store.upsert(object(R"({"metadata":{"namespace":"b","name":"web","labels":{"app":"api"}}})"));
  CHECK(store.by_index("app", "web").empty());
  store.replace({cm("c", "z", "1")});
  CHECK(store.by_index(Store::kNamespaceIndex, "a").empty());
  CHECK(names(store.by_index(Store::kNamespaceIndex, "c")) == std::vector<std::string>{"c/z"});
  // Cluster-scoped objects have no namespace; the namespace index is not for replacing.
  store.upsert(object(R"({"metadata":{"name":"cluster-wide"}})"));
  CHECK(store.by_index(Store::kNamespaceIndex, "").empty());
  CHECK_THROWS_AS(store.add_index(std::string(Store::kNamespaceIndex), {}), std::invalid_argument);
}

TEST_CASE("a custom index counts and visits its objects in place, and get takes namespace and name") {
  Store store;
  store.add_index("app", [](const rapidjson::Value& o) {
    auto app = steward::kube::string_at(o, {"metadata", "labels", "app"});
    return app.empty() ? std::vector<std::string>{} : std::vector<std::string>{std::string(app)};
  });
  store.upsert(object(R"({"metadata":{"namespace":"a","name":"x","labels":{"app":"web"}}})"));
  store.upsert(object(R"({"metadata":{"namespace":"b","name":"x","labels":{"app":"web"}}})"));
  store.upsert(object(R"({"metadata":{"namespace":"b","name":"y","labels":{"app":"db"}}})"));
  store.upsert(object(R"({"metadata":{"name":"node","labels":{"app":"web"}}})"));
  CHECK(store.count("app", "web") == 3);
  CHECK(store.count("app", "db") == 1);
  CHECK(store.count("app", "none") == 0);
  CHECK(store.count("no-such-index", "web") == 0);
  std::vector<std::string> visited;
  store.visit("app", "web", [&](const rapidjson::Value& o) { visited.push_back(object_key(o)); });
  std::sort(visited.begin(), visited.end());
  CHECK(visited == std::vector<std::string>{"a/x", "b/x", "node"});
  store.remove("b/x");
  CHECK(store.count("app", "web") == 2);
  // The object itself, not a copy: the pointer the store holds.
  const ObjectPtr node = store.get("", "node");
  REQUIRE(node);
  CHECK(node == store.get("node"));
  CHECK(store.get("a", "x") == store.get("a/x"));
  CHECK(store.get("b", "x") == nullptr);
  CHECK(store.get("", "x") == nullptr);
}

TEST_CASE("the namespace index visits one namespace's objects, and never cluster-scoped ones") {
  Store store;
  store.upsert(cm("a", "x", "1"));
  store.upsert(cm("a", "y", "2"));
  store.upsert(cm("b", "x", "3"));
  store.upsert(object(R"({"metadata":{"name":"node"}})"));
  const auto visited = [&](std::string_view ns) {
    std::vector<std::string> out;
    store.visit(Store::kNamespaceIndex, ns,
                [&](const rapidjson::Value& o) { out.push_back(object_key(o)); });
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(visited("a") == std::vector<std::string>{"a/x", "a/y"});
  CHECK(visited("b") == std::vector<std::string>{"b/x"});
  CHECK(visited("c").empty());
  CHECK(visited("").empty());
}
