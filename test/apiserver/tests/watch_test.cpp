// Watch streams over real sockets: starting rules, history window, selectors, bookmarks, timeouts
// and the faults that end or refuse watches (reference 22, 24).
#include "test_server.hpp"

#include <catch2/catch.hpp>

using namespace steward::testapi;
using namespace steward::testapi::testing;

namespace {

// The next event's type and object name ("BOOKMARK" has no name).
std::pair<std::string, std::string> next_event(WatchStream& w) {
  auto ev = w.next();
  REQUIRE(ev);
  const json::Value* name = ev->at_path("object.metadata.name");
  return {ev->str("type"), name ? name->as_string() : std::string{}};
}

using Ev = std::pair<std::string, std::string>;

const std::string kRefConfigMaps = "/api/v1/namespaces/ref/configmaps";

// A watch of namespace ref's ConfigMaps from the version of `obj` (an object or a list).
std::string watch_from(const json::Value& obj) { return kRefConfigMaps + "?watch=1&resourceVersion=" + rv_of(obj); }

}  // namespace

TEST_CASE("a watch from a resourceVersion streams ADDED, MODIFIED and DELETED in order (24)") {
  TestServer s;
  create_namespace(s, "ref");
  auto list = s.get("/api/v1/namespaces/ref/configmaps").json();
  WatchStream w(s.endpoint(), "/api/v1/namespaces/ref/configmaps?watch=1&resourceVersion=" + rv_of(list) +
                                  "&allowWatchBookmarks=true&timeoutSeconds=30");
  CHECK(w.status() == 200);
  auto created = s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"b"},"data":{"k":"1"}})").json();
  s.patch("/api/v1/namespaces/ref/configmaps/b", R"({"data":{"k":"2"}})", "application/merge-patch+json");
  s.del("/api/v1/namespaces/ref/configmaps/b");
  auto added = w.next();
  REQUIRE(added);
  CHECK(added->str("type") == "ADDED");
  CHECK(added->at_path("object.kind")->as_string() == "ConfigMap");
  CHECK(added->at_path("object.apiVersion")->as_string() == "v1");
  CHECK(rv_of(*added->find("object")) == rv_of(created));
  auto modified = w.next();
  REQUIRE(modified);
  CHECK(modified->str("type") == "MODIFIED");
  CHECK(modified->at_path("object.data.k")->as_string() == "2");
  auto deleted = w.next();
  REQUIRE(deleted);
  CHECK(deleted->str("type") == "DELETED");
  CHECK(std::stoull(rv_of(*deleted->find("object"))) > std::stoull(rv_of(*modified->find("object"))));
}

TEST_CASE("a watch without resourceVersion or with 0 starts with synthetic ADDED events") {
  TestServer s;
  create_namespace(s, "ref");
  s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"x"}})");
  s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"y"}})");
  for (const char* rv : {"", "&resourceVersion=0"}) {
    WatchStream w(s.endpoint(), std::string("/api/v1/namespaces/ref/configmaps?watch=true") + rv);
    CHECK(next_event(w) == Ev{"ADDED", "x"});
    CHECK(next_event(w) == Ev{"ADDED", "y"});
    s.post("/api/v1/namespaces/ref/configmaps", std::string(R"({"metadata":{"name":"z)") + (*rv ? "0" : "1") + R"("}})");
    CHECK(next_event(w).first == "ADDED");
  }
}

TEST_CASE("a watch from a resourceVersion older than the history answers 200 and one 410 ERROR (22)") {
  ServerOptions o = TestServer::plain_options();
  o.watch_history = 3;
  TestServer s(o);
  create_namespace(s, "ref");
  for (int i = 0; i < 6; ++i) s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"c)" + std::to_string(i) + R"("}})");
  WatchStream w(s.endpoint(), "/api/v1/namespaces/ref/configmaps?watch=1&resourceVersion=1&timeoutSeconds=2");
  CHECK(w.status() == 200);
  auto ev = w.next();
  REQUIRE(ev);
  CHECK(ev->str("type") == "ERROR");
  CHECK(ev->at_path("object.reason")->as_string() == "Expired");
  CHECK(ev->at_path("object.code")->as_int() == 410);
  CHECK(ev->at_path("object.message")->as_string().rfind("too old resource version: 1 (", 0) == 0);
  CHECK_FALSE(w.next());
  CHECK(w.ended());
}

TEST_CASE("a watch within the history replays what happened after its resourceVersion") {
  TestServer s;
  create_namespace(s, "ref");
  auto a = s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"a"}})").json();
  s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"b"}})");
  s.del("/api/v1/namespaces/ref/configmaps/a");
  WatchStream w(s.endpoint(), "/api/v1/namespaces/ref/configmaps?watch=1&resourceVersion=" + rv_of(a));
  CHECK(next_event(w) == Ev{"ADDED", "b"});
  CHECK(next_event(w) == Ev{"DELETED", "a"});
}

TEST_CASE("bookmarks carry only kind, apiVersion and resourceVersion") {
  ServerOptions o = TestServer::plain_options();
  o.bookmark_interval = std::chrono::milliseconds(100);
  TestServer s(o);
  create_namespace(s, "ref");
  auto cm = s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"a"}})").json();
  WatchStream w(s.endpoint(), "/api/v1/namespaces/ref/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=" + rv_of(cm));
  auto ev = w.next();
  REQUIRE(ev);
  CHECK(json::write(*ev) == R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":")" +
                                rv_of(cm) + R"(","creationTimestamp":null}}})");
  // Without allowWatchBookmarks there are none: the next thing is the next change.
  WatchStream quiet(s.endpoint(), "/api/v1/namespaces/ref/configmaps?watch=1&resourceVersion=" + rv_of(cm));
  CHECK_FALSE(quiet.next(std::chrono::milliseconds(400)));
}

TEST_CASE("timeoutSeconds ends the stream cleanly") {
  TestServer s;
  WatchStream w(s.endpoint(), "/api/v1/configmaps?watch=1&timeoutSeconds=1");
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(w.next(std::chrono::seconds(10)));
  CHECK(w.ended());
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(900));
}

TEST_CASE("watch selectors: namespaces, labels, and objects moving out of the selection") {
  TestServer s;
  create_namespace(s, "a");
  create_namespace(s, "b");
  std::string rv = s.get("/api/v1/configmaps").json().at_path("metadata.resourceVersion")->as_string();
  WatchStream all(s.endpoint(), "/api/v1/configmaps?watch=1&resourceVersion=" + rv);
  WatchStream in_b(s.endpoint(), "/api/v1/namespaces/b/configmaps?watch=1&resourceVersion=" + rv);
  WatchStream web(s.endpoint(), "/api/v1/configmaps?watch=1&labelSelector=app%3Dweb&resourceVersion=" + rv);
  WatchStream by_name(s.endpoint(), "/api/v1/configmaps?watch=1&fieldSelector=metadata.name%3Dtwo&resourceVersion=" + rv);
  s.post("/api/v1/namespaces/a/configmaps", R"({"metadata":{"name":"one","labels":{"app":"web"}}})");
  s.post("/api/v1/namespaces/b/configmaps", R"({"metadata":{"name":"two"}})");
  s.patch("/api/v1/namespaces/a/configmaps/one", R"({"metadata":{"labels":{"app":"db"}}})", "application/merge-patch+json");
  s.patch("/api/v1/namespaces/b/configmaps/two", R"({"metadata":{"labels":{"app":"web"}}})", "application/merge-patch+json");

  CHECK(next_event(all) == Ev{"ADDED", "one"});
  CHECK(next_event(all) == Ev{"ADDED", "two"});
  CHECK(next_event(all) == Ev{"MODIFIED", "one"});
  CHECK(next_event(all) == Ev{"MODIFIED", "two"});
  CHECK(next_event(in_b) == Ev{"ADDED", "two"});
  CHECK(next_event(in_b) == Ev{"MODIFIED", "two"});
  CHECK(next_event(web) == Ev{"ADDED", "one"});
  CHECK(next_event(web) == Ev{"DELETED", "one"});  // left the selection
  CHECK(next_event(web) == Ev{"ADDED", "two"});    // entered it
  CHECK(next_event(by_name) == Ev{"ADDED", "two"});
  CHECK(next_event(by_name) == Ev{"MODIFIED", "two"});
}

TEST_CASE("many concurrent watches are served without a thread each") {
  TestServer s;
  create_namespace(s, "ref");
  std::vector<std::unique_ptr<WatchStream>> watches;
  for (int i = 0; i < 50; ++i)
    watches.push_back(std::make_unique<WatchStream>(s.endpoint(), "/api/v1/namespaces/ref/configmaps?watch=1&resourceVersion=1"));
  s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"fan"}})");
  for (auto& w : watches) CHECK(next_event(*w) == Ev{"ADDED", "fan"});
}

TEST_CASE("faults: close all watches, refuse new ones, and restart with a fresh watch cache") {
  TestServer s;
  create_namespace(s, "ref");
  WatchStream w(s.endpoint(), "/api/v1/configmaps?watch=1");
  REQUIRE(s.faults(R"({"closeWatches":true})").status == 200);
  CHECK_FALSE(w.next());
  CHECK(w.ended());

  REQUIRE(s.faults(R"({"refuseWatchesSeconds":30,"retryAfterSeconds":1})").status == 200);
  auto refused = s.get("/api/v1/configmaps?watch=1");
  CHECK(refused.status == 429);
  CHECK(refused.headers["retry-after"] == "1");
  CHECK(s.get("/api/v1/configmaps").status == 200);  // lists still work
  REQUIRE(s.faults(R"({"reset":true})").status == 200);

  auto old = s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"before"}})").json();
  s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"before2"}})");
  WatchStream live(s.endpoint(), "/api/v1/configmaps?watch=1&resourceVersion=" + rv_of(old));
  CHECK(next_event(live) == Ev{"ADDED", "before2"});
  REQUIRE(s.faults(R"({"restart":true})").status == 200);
  CHECK_FALSE(live.next());
  CHECK(live.ended());
  // State survives the restart; the rebuilt watch cache no longer reaches back to `old`.
  CHECK(s.get("/api/v1/namespaces/ref/configmaps/before").status == 200);
  WatchStream again(s.endpoint(), "/api/v1/configmaps?watch=1&resourceVersion=" + rv_of(old));
  auto ev = again.next();
  REQUIRE(ev);
  CHECK(ev->str("type") == "ERROR");
  CHECK(ev->at_path("object.code")->as_int() == 410);
}

TEST_CASE("deleting a CRD ends the watches on its resource") {
  TestServer s;
  REQUIRE(s.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                 R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gizmos.example.com"},"spec":{"group":"example.com","scope":"Cluster","names":{"plural":"gizmos","kind":"Gizmo"},"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]}})")
              .status == 201);
  // Established is written right after the create's answer; wait for it like a client would.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (s.get("/apis/example.com/v1").status != 200 && std::chrono::steady_clock::now() < deadline) {
  }
  REQUIRE(s.post("/apis/example.com/v1/gizmos", R"({"apiVersion":"example.com/v1","kind":"Gizmo","metadata":{"name":"g"}})").status == 201);
  WatchStream w(s.endpoint(), "/apis/example.com/v1/gizmos?watch=1");
  auto added = w.next();
  REQUIRE(added);
  CHECK(added->at_path("object.kind")->as_string() == "Gizmo");
  REQUIRE(s.del("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.example.com").status == 200);
  auto ev = w.next();
  if (ev) {
    CHECK(ev->str("type") == "DELETED");
    CHECK_FALSE(w.next());
  }
  CHECK(w.ended());
}

TEST_CASE("a finalized delete is MODIFIED (deletionTimestamp) then one DELETED when the finalizer goes") {
  TestServer s;
  create_namespace(s, "ref");
  auto cm = s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"f","finalizers":["example.com/x"]}})").json();
  WatchStream w(s.endpoint(), "/api/v1/namespaces/ref/configmaps?watch=1&resourceVersion=" + rv_of(cm));
  s.del("/api/v1/namespaces/ref/configmaps/f");
  s.patch("/api/v1/namespaces/ref/configmaps/f", R"({"metadata":{"finalizers":[]}})", "application/merge-patch+json");
  s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"marker"}})");
  auto modified = w.next();
  REQUIRE(modified);
  CHECK(modified->str("type") == "MODIFIED");
  CHECK(modified->at_path("object.metadata.deletionTimestamp"));
  CHECK(next_event(w) == Ev{"DELETED", "f"});
  CHECK(next_event(w) == Ev{"ADDED", "marker"});
}

TEST_CASE("etcd compaction leaves the watch cache alone: a watch from a version it holds replays") {
  TestServer s;
  create_namespace(s, "ref");
  auto a = s.post(kRefConfigMaps, R"({"metadata":{"name":"a"}})").json();
  s.post(kRefConfigMaps, R"({"metadata":{"name":"b"}})");
  WatchStream open(s.endpoint(), watch_from(a));
  REQUIRE(s.faults(R"({"compact":true})").status == 200);
  WatchStream w(s.endpoint(), watch_from(a));
  CHECK(next_event(w) == Ev{"ADDED", "b"});
  s.post(kRefConfigMaps, R"({"metadata":{"name":"c"}})");
  CHECK(next_event(w) == Ev{"ADDED", "c"});
  CHECK(next_event(open) == Ev{"ADDED", "b"});
  CHECK(next_event(open) == Ev{"ADDED", "c"});
}

TEST_CASE("expireWatchHistory: a watch from any earlier version answers 410, open watches go on") {
  TestServer s;
  create_namespace(s, "ref");
  auto a = s.post(kRefConfigMaps, R"({"metadata":{"name":"a"}})").json();
  WatchStream open(s.endpoint(), watch_from(a));
  REQUIRE(s.faults(R"({"expireWatchHistory":true})").status == 200);
  // Even the newest version before it: the window moved past the current revision.
  WatchStream w(s.endpoint(), watch_from(a));
  auto ev = w.next();
  REQUIRE(ev);
  CHECK(ev->str("type") == "ERROR");
  CHECK(ev->at_path("object.code")->as_int() == 410);
  CHECK_FALSE(w.next());
  // Lists are untouched: etcd still reads that revision, and the cache serves its new version.
  CHECK(s.get(kRefConfigMaps + "?limit=10&resourceVersion=" + rv_of(a)).status == 200);
  auto list = s.get(kRefConfigMaps + "?resourceVersion=0").json();
  CHECK(std::stoull(rv_of(list)) > std::stoull(rv_of(a)));
  WatchStream fresh(s.endpoint(), watch_from(list));
  s.post(kRefConfigMaps, R"({"metadata":{"name":"b"}})");
  CHECK(next_event(open) == Ev{"ADDED", "b"});
  CHECK(next_event(fresh) == Ev{"ADDED", "b"});
}

TEST_CASE("dropWatchEvents leaves one event out of one stream, and the write log still lists its version") {
  TestServer s;
  create_namespace(s, "ref");
  auto list = s.get("/api/v1/namespaces/ref/configmaps").json();
  WatchStream first(s.endpoint(), watch_from(list));
  WatchStream second(s.endpoint(), watch_from(list));
  REQUIRE(s.faults(R"({"dropWatchEvents":[{"path":"/api/v1/namespaces/ref/configmaps/b","count":1}]})").status == 200);
  auto b = s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"b"}})").json();
  s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"c"}})");
  // The stream that lost "b" goes on to "c" as if nothing happened; the other one has both.
  const Ev one = next_event(first);
  const Ev other = next_event(second);
  CHECK((one == Ev{"ADDED", "c"}) != (other == Ev{"ADDED", "c"}));
  CHECK(next_event(one == Ev{"ADDED", "b"} ? first : second) == Ev{"ADDED", "c"});

  const auto log = s.get("/_testapi/writes").json();
  const json::Value* versions = log.find("versions");
  REQUIRE(versions);
  bool listed = false;
  for (const auto& v : versions->as_array()) {
    if (v.str("name") != "b") continue;
    listed = v.str("resource") == "configmaps" && v.str("namespace") == "ref" &&
             v.str("type") == "ADDED" && v.str("resourceVersion") == rv_of(b);
  }
  CHECK(listed);
}
