// Lists with a resourceVersion, as kube-apiserver 1.20 serves them (issue #15): from etcd at an exact
// revision (a version with a limit, a continue token), from etcd's current state (no version), or
// from the watch cache (a version without a limit, "0"); and what compaction, an expired watch
// history and a restart do to each. The rules are cited from k8s.io/apiserver's storage/cacher and
// storage/etcd3 in api.cpp.
#include "test_server.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace steward::testapi;
using namespace steward::testapi::testing;

namespace {

const std::string kConfigMaps = "/api/v1/namespaces/ref/configmaps";

std::string create_configmap(const TestServer& s, const std::string& name, const std::string& value) {
  auto r = s.post(kConfigMaps, R"({"metadata":{"name":")" + name + R"("},"data":{"k":")" + value + R"("}})");
  REQUIRE(r.status == 201);
  return rv_of(r.json());
}

std::string set_value(const TestServer& s, const std::string& name, const std::string& value) {
  auto r = s.patch(kConfigMaps + "/" + name, R"({"data":{"k":")" + value + R"("}})", "application/merge-patch+json");
  REQUIRE(r.status == 200);
  return rv_of(r.json());
}

// "name=value@resourceVersion" for each item of a list answer.
std::vector<std::string> items(const json::Value& list) {
  std::vector<std::string> out;
  for (const auto& i : list.find("items")->as_array())
    out.push_back(i.at_path("metadata.name")->as_string() + "=" + i.at_path("data.k")->as_string() + "@" + rv_of(i));
  return out;
}

std::string continue_of(const json::Value& list) {
  const json::Value* c = list.at_path("metadata.continue");
  return c ? c->as_string() : std::string{};
}

// Two objects at version `x`, then changed: a modified, b deleted, c created.
struct Changed {
  TestServer s;
  std::string a_rv, b_rv, x, a_now, c_rv;
  Changed() {
    create_namespace(s, "ref");
    a_rv = create_configmap(s, "a", "1");
    b_rv = create_configmap(s, "b", "1");
    x = b_rv;
    a_now = set_value(s, "a", "2");
    REQUIRE(s.del(kConfigMaps + "/b").status == 200);
    c_rv = create_configmap(s, "c", "1");
  }
};

}  // namespace

TEST_CASE("a list at an older resourceVersion with a limit reads etcd exactly there: its items, its version") {
  Changed c;
  auto r = c.s.get(kConfigMaps + "?resourceVersion=" + c.x + "&limit=10");
  REQUIRE(r.status == 200);
  auto list = r.json();
  CHECK(rv_of(list) == c.x);
  CHECK(items(list) == std::vector<std::string>{"a=1@" + c.a_rv, "b=1@" + c.b_rv});
  CHECK(continue_of(list).empty());

  // Paged, every page stays at that revision.
  auto first = c.s.get(kConfigMaps + "?resourceVersion=" + c.x + "&limit=1").json();
  CHECK(rv_of(first) == c.x);
  CHECK(items(first) == std::vector<std::string>{"a=1@" + c.a_rv});
  CHECK(first.at_path("metadata.remainingItemCount")->as_int() == 1);
  auto second = c.s.get(kConfigMaps + "?limit=1&continue=" + continue_of(first)).json();
  CHECK(rv_of(second) == c.x);
  CHECK(items(second) == std::vector<std::string>{"b=1@" + c.b_rv});
  CHECK(continue_of(second).empty());
}

TEST_CASE("a list at a resourceVersion without a limit is the watch cache's: the current state, not older") {
  Changed c;
  auto list = c.s.get(kConfigMaps + "?resourceVersion=" + c.x).json();
  CHECK(rv_of(list) == c.c_rv);
  CHECK(items(list) == std::vector<std::string>{"a=2@" + c.a_now, "c=1@" + c.c_rv});
  // "0" as well, and a limit changes nothing there (the cache cannot page).
  CHECK(rv_of(c.s.get(kConfigMaps + "?resourceVersion=0&limit=1").json()) == c.c_rv);
  CHECK(items(c.s.get(kConfigMaps + "?resourceVersion=0&limit=1").json()).size() == 2);
}

TEST_CASE("the watch cache's version is its resource's: another kind's writes do not move it") {
  Changed c;
  auto secret = c.s.post("/api/v1/namespaces/ref/secrets", R"({"metadata":{"name":"s"}})");
  REQUIRE(secret.status == 201);
  CHECK(rv_of(c.s.get(kConfigMaps + "?resourceVersion=0").json()) == c.c_rv);
  // A read from etcd gives etcd's revision.
  CHECK(rv_of(c.s.get(kConfigMaps).json()) == rv_of(secret.json()));
  // So the secret's version is too new for the ConfigMaps' cache (the real one waits 3 s for it).
  CHECK(c.s.get(kConfigMaps + "?resourceVersion=" + rv_of(secret.json())).status == 504);
}

TEST_CASE("a list at a compacted resourceVersion with a limit answers 410 Expired, the watch cache still serves it") {
  Changed c;
  REQUIRE(c.s.faults(R"({"compact":true})").status == 200);
  auto expired = c.s.get(kConfigMaps + "?resourceVersion=" + c.x + "&limit=10");
  CHECK(expired.status == 410);
  CHECK(expired.body ==
        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"The resourceVersion for the provided list is too old.","reason":"Expired","code":410})");
  auto cached = c.s.get(kConfigMaps + "?resourceVersion=" + c.x);
  CHECK(cached.status == 200);
  CHECK(rv_of(cached.json()) == c.c_rv);
  // Compaction is a write of its own: etcd's revision moved, the cache's did not.
  auto quorum = c.s.get(kConfigMaps + "?limit=10").json();
  CHECK(std::stoull(rv_of(quorum)) > std::stoull(c.c_rv));
  CHECK(items(quorum) == std::vector<std::string>{"a=2@" + c.a_now, "c=1@" + c.c_rv});
}

TEST_CASE("a resourceVersion newer than the watch cache answers 504 ResourceVersionTooLarge, with a limit a 500 from etcd") {
  Changed c;
  const std::string future = std::to_string(std::stoull(c.c_rv) + 1000);
  auto too_large = c.s.get(kConfigMaps + "?resourceVersion=" + future);
  CHECK(too_large.status == 504);
  CHECK(too_large.headers["retry-after"] == "1");
  CHECK(too_large.body ==
        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Timeout: Too large resource version: )" +
            future + ", current: " + c.c_rv +
            R"(","reason":"Timeout","details":{"causes":[{"reason":"ResourceVersionTooLarge","message":"Too large resource version"}],"retryAfterSeconds":1},"code":504})");
  auto future_rev = c.s.get(kConfigMaps + "?resourceVersion=" + future + "&limit=10");
  CHECK(future_rev.status == 500);
  CHECK(future_rev.json().str("message") == "etcdserver: mvcc: required revision is a future revision");
}

TEST_CASE("a continue token reads its pages from the first page's snapshot") {
  TestServer s;
  create_namespace(s, "ref");
  std::vector<std::string> rvs;
  for (const char* name : {"p0", "p1", "p2", "p3"}) rvs.push_back(create_configmap(s, name, "old"));
  auto first = s.get(kConfigMaps + "?limit=2").json();
  CHECK(items(first) == std::vector<std::string>{"p0=old@" + rvs[0], "p1=old@" + rvs[1]});
  // Between the pages: p3 changes, p2 goes, p4 comes.
  const std::string p3_now = set_value(s, "p3", "new");
  REQUIRE(s.del(kConfigMaps + "/p2").status == 200);
  const std::string p4 = create_configmap(s, "p4", "new");
  auto second = s.get(kConfigMaps + "?limit=2&continue=" + continue_of(first)).json();
  CHECK(rv_of(second) == rv_of(first));
  CHECK(items(second) == std::vector<std::string>{"p2=old@" + rvs[2], "p3=old@" + rvs[3]});
  CHECK(continue_of(second).empty());

  // A version with a continue token is refused (etcd3/store.go List); "0" is let through.
  CHECK(s.get(kConfigMaps + "?limit=2&resourceVersion=" + rvs[0] + "&continue=" + continue_of(first)).json().str("message") ==
        "specifying resource version is not allowed when using continue");
  CHECK(s.get(kConfigMaps + "?limit=2&resourceVersion=0&continue=" + continue_of(first)).status == 200);

  // Once compacted, the 410's own "-1" token reads the rest from the current state.
  REQUIRE(s.faults(R"({"compact":true})").status == 200);
  auto expired = s.get(kConfigMaps + "?limit=2&continue=" + continue_of(first));
  REQUIRE(expired.status == 410);
  auto rest = s.get(kConfigMaps + "?limit=2&continue=" + continue_of(expired.json())).json();
  CHECK(items(rest) == std::vector<std::string>{"p3=new@" + p3_now, "p4=new@" + p4});
  CHECK(std::stoull(rv_of(rest)) > std::stoull(p4));
}

TEST_CASE("after a restart an old version's watch is 410, its list is current without a limit and that revision with one") {
  // Issue #15: a reflector that re-lists at its last version with a limit gets that old revision
  // back from etcd, watches from it, gets 410 again, and loops.
  Changed c;
  REQUIRE(c.s.faults(R"({"restart":true})").status == 200);
  WatchStream w(c.s.endpoint(), kConfigMaps + "?watch=1&resourceVersion=" + c.x);
  auto ev = w.next();
  REQUIRE(ev);
  CHECK(ev->str("type") == "ERROR");
  CHECK(ev->at_path("object.code")->as_int() == 410);
  CHECK(ev->at_path("object.message")->as_string() ==
        "too old resource version: " + c.x + " (" + c.c_rv + ")");

  auto cached = c.s.get(kConfigMaps + "?resourceVersion=" + c.x).json();
  CHECK(rv_of(cached) == c.c_rv);
  auto exact = c.s.get(kConfigMaps + "?resourceVersion=" + c.x + "&limit=500").json();
  CHECK(rv_of(exact) == c.x);
  CHECK(items(exact) == std::vector<std::string>{"a=1@" + c.a_rv, "b=1@" + c.b_rv});
}

TEST_CASE("the compactor compacts at the revision of its previous tick") {
  Changed c;
  // The first tick only notes a revision (its own write's).
  REQUIRE(c.s.faults(R"({"compactorTick":true})").status == 200);
  const std::string noted = rv_of(c.s.get(kConfigMaps + "?limit=10").json());
  CHECK(std::stoull(noted) == std::stoull(c.c_rv) + 1);
  CHECK(c.s.get(kConfigMaps + "?resourceVersion=" + c.x + "&limit=10").status == 200);
  create_configmap(c.s, "d", "1");
  // The second compacts at that revision: older ones are gone, it and later ones stay.
  REQUIRE(c.s.faults(R"({"compactorTick":true})").status == 200);
  CHECK(c.s.get(kConfigMaps + "?resourceVersion=" + c.x + "&limit=10").status == 410);
  CHECK(c.s.get(kConfigMaps + "?resourceVersion=" + std::to_string(std::stoull(noted) - 1) + "&limit=10").status == 410);
  auto at_noted = c.s.get(kConfigMaps + "?resourceVersion=" + noted + "&limit=10");
  CHECK(at_noted.status == 200);
  CHECK(items(at_noted.json()) == std::vector<std::string>{"a=2@" + c.a_now, "c=1@" + c.c_rv});
}
