// The server over real sockets, request by request, against the reference transcripts of a real
// kube-apiserver 1.20 (/work/shared/reference/kube-apiserver-1.20).
#include "test_server.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>

using namespace steward::testapi;
using namespace steward::testapi::testing;

namespace {

const char* kDeploymentApply = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ref}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        image: nginx:1.25
        ports: [{containerPort: 80}]
        resources: {requests: {cpu: "0.5", memory: 1024Mi}, limits: {cpu: 1000m}}
)";

std::string with_replicas(const std::string& yaml) {
  std::string out = yaml;
  out.replace(out.find("spec:\n"), 6, "spec:\n  replicas: 1\n");
  return out;
}

}  // namespace

TEST_CASE("a missing or wrong bearer token answers 401 with the real Status body") {
  TestServer s;
  Endpoint anon = s.endpoint();
  anon.token = "";
  auto r = request(anon, "GET", "/api/v1/namespaces");
  CHECK(r.status == 401);
  CHECK(r.body ==
        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})");
  anon.token = "wrong";
  CHECK(request(anon, "GET", "/api/v1/namespaces").status == 401);
  CHECK(s.get("/api/v1/namespaces").status == 200);
}

TEST_CASE("TLS: the serving certificate verifies against the generated CA for 127.0.0.1") {
  ServerOptions o = TestServer::plain_options();
  o.tls = true;
  TestServer s(o);
  REQUIRE_FALSE(s.endpoint().ca_pem.empty());
  auto r = s.get("/version");
  CHECK(r.status == 200);
  CHECK(r.json().str("gitVersion") == "v1.20.2");
}

TEST_CASE("discovery lists served resources with kind, scope, verbs and short names") {
  TestServer s;
  auto api = s.get("/api").json();
  CHECK(api.str("kind") == "APIVersions");
  auto v1 = s.get("/api/v1").json();
  CHECK(v1.find("apiVersion") == nullptr);
  std::set<std::string> names;
  for (const auto& r : v1.find("resources")->as_array()) {
    names.insert(r.str("name"));
    if (r.str("name") == "configmaps") {
      CHECK(json::write(r) ==
            R"({"name":"configmaps","singularName":"","namespaced":true,"kind":"ConfigMap","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["cm"],"storageVersionHash":"qFsyl6wFWjQ="})");
    }
    if (r.str("name") == "namespaces") CHECK_FALSE(r.find("namespaced")->as_bool());
  }
  for (const char* n : {"configmaps", "secrets", "serviceaccounts", "services", "namespaces", "events"}) CHECK(names.count(n));
  auto apps = s.get("/apis/apps/v1").json();
  CHECK(apps.str("groupVersion") == "apps/v1");
  bool found = false;
  for (const auto& r : apps.find("resources")->as_array())
    if (r.str("name") == "deployments") {
      found = true;
      CHECK(r.find("storageVersionHash")->as_string() == "8aSe+NMegvE=");
    }
  CHECK(found);
  auto groups = s.get("/apis").json();
  std::set<std::string> group_names;
  for (const auto& g : groups.find("groups")->as_array()) group_names.insert(g.str("name"));
  for (const char* g : {"apps", "events.k8s.io", "coordination.k8s.io", "apiextensions.k8s.io"}) CHECK(group_names.count(g));
  auto missing = s.get("/apis/example.com/v1");
  CHECK(missing.status == 404);
  CHECK(missing.body == "404 page not found\n");
  CHECK(missing.headers["content-type"] == "text/plain; charset=utf-8");
}

TEST_CASE("create, get and the errors of 08-12 match the real server") {
  TestServer s;
  create_namespace(s, "ref");
  auto created = s.post("/api/v1/namespaces/ref/configmaps",
                        R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"app":"x"}},"data":{"k":"v"}})");
  REQUIRE(created.status == 201);
  auto cm = created.json();
  CHECK(cm.str("kind") == "ConfigMap");
  CHECK(cm.at_path("metadata.uid")->as_string().size() == 36);
  CHECK(cm.at_path("metadata.creationTimestamp"));
  CHECK(cm.at_path("metadata.generation") == nullptr);
  CHECK(json::write(*cm.at_path("metadata.managedFields")).find(R"("fieldsV1":{"f:data":{".":{},"f:k":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}})") != std::string::npos);

  auto again = s.post("/api/v1/namespaces/ref/configmaps", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v"}})");
  CHECK(again.status == 409);
  CHECK(again.body == R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"a\" already exists","reason":"AlreadyExists","details":{"name":"a","kind":"configmaps"},"code":409})");

  auto missing = s.get("/api/v1/namespaces/ref/configmaps/nope");
  CHECK(missing.status == 404);
  CHECK(missing.body == R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"nope\" not found","reason":"NotFound","details":{"name":"nope","kind":"configmaps"},"code":404})");

  auto no_ns = s.post("/api/v1/namespaces/nosuchns/configmaps", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}})");
  CHECK(no_ns.status == 404);
  CHECK(no_ns.body == R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \"nosuchns\" not found","reason":"NotFound","details":{"name":"nosuchns","kind":"namespaces"},"code":404})");

  auto stale = s.put("/api/v1/namespaces/ref/configmaps/a", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"},"data":{"k":"w"}})");
  CHECK(stale.status == 409);
  CHECK(stale.body == R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"a","kind":"configmaps"},"code":409})");

  auto bad = s.post("/api/v1/namespaces/ref/configmaps", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}})");
  CHECK(bad.status == 422);
  CHECK(bad.body == R"json({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')","reason":"Invalid","details":{"name":"Bad_Name","kind":"ConfigMap","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')","field":"metadata.name"}]},"code":422})json");
}

TEST_CASE("resourceVersions come from one counter across kinds and updates take the current one") {
  TestServer s;
  create_namespace(s, "ref");
  auto a = s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"a"},"data":{"k":"v"}})").json();
  auto b = s.post("/api/v1/namespaces/ref/secrets", R"({"metadata":{"name":"b"},"stringData":{"k":"v"}})").json();
  CHECK(std::stoull(rv_of(b)) == std::stoull(rv_of(a)) + 1);
  CHECK(b.at_path("data.k")->as_string() == "dg==");
  CHECK(b.str("type") == "Opaque");
  json::Value put = a;
  put["data"]["k"] = "w";
  auto updated = s.put("/api/v1/namespaces/ref/configmaps/a", json::write(put));
  REQUIRE(updated.status == 200);
  CHECK(std::stoull(rv_of(updated.json())) > std::stoull(rv_of(b)));
  // The same PUT again carries a stale resourceVersion now.
  CHECK(s.put("/api/v1/namespaces/ref/configmaps/a", json::write(put)).status == 409);
}

TEST_CASE("server-side apply: defaults, no-op re-apply, conflict without force, force takes ownership (13-17)") {
  TestServer s;
  create_namespace(s, "ref");
  const std::string path = "/apis/apps/v1/namespaces/ref/deployments/web";
  auto created = s.patch(path + "?fieldManager=steward&force=true", kDeploymentApply, "application/apply-patch+yaml");
  REQUIRE(created.status == 201);
  auto d = created.json();
  CHECK(d.at_path("spec.replicas")->as_int() == 1);
  CHECK(d.at_path("spec.strategy.rollingUpdate.maxSurge")->as_string() == "25%");
  CHECK(d.at_path("spec.revisionHistoryLimit")->as_int() == 10);
  CHECK(d.at_path("spec.progressDeadlineSeconds")->as_int() == 600);
  CHECK(d.at_path("spec.template.metadata.creationTimestamp")->is_null());
  const auto& c = d.at_path("spec.template.spec.containers")->as_array()[0];
  CHECK(c.str("imagePullPolicy") == "IfNotPresent");
  CHECK(c.str("terminationMessagePath") == "/dev/termination-log");
  CHECK(json::write(*c.find("resources")) == R"({"limits":{"cpu":"1"},"requests":{"cpu":"500m","memory":"1Gi"}})");
  CHECK(json::write(*c.find("ports")) == R"([{"containerPort":80,"protocol":"TCP"}])");
  CHECK(d.at_path("spec.template.spec.dnsPolicy")->as_string() == "ClusterFirst");
  CHECK(json::write(*d.find("status")) == "{}");
  CHECK(d.at_path("metadata.generation")->as_int() == 1);
  CHECK(json::write(*d.at_path("metadata.managedFields")->as_array()[0].find("fieldsV1")) ==
        R"({"f:spec":{"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}},"f:resources":{"f:limits":{"f:cpu":{}},"f:requests":{"f:cpu":{},"f:memory":{}}}}}}}}})");

  auto again = s.patch(path + "?fieldManager=steward&force=true", kDeploymentApply, "application/apply-patch+yaml");
  CHECK(again.status == 200);
  CHECK(rv_of(again.json()) == rv_of(d));

  auto edited = s.patch(path + "?fieldManager=kubectl-edit", R"({"spec":{"replicas":3}})", "application/merge-patch+json");
  REQUIRE(edited.status == 200);
  CHECK(edited.json().at_path("metadata.generation")->as_int() == 2);

  auto conflict = s.patch(path + "?fieldManager=steward", with_replicas(kDeploymentApply), "application/apply-patch+yaml");
  CHECK(conflict.status == 409);
  CHECK(conflict.body == R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.replicas","reason":"Conflict","details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"kubectl-edit\" using apps/v1","field":".spec.replicas"}]},"code":409})");

  auto forced = s.patch(path + "?fieldManager=steward&force=true", with_replicas(kDeploymentApply), "application/apply-patch+yaml");
  REQUIRE(forced.status == 200);
  auto f = forced.json();
  CHECK(f.at_path("spec.replicas")->as_int() == 1);
  CHECK(f.at_path("metadata.generation")->as_int() == 3);
  const auto& managers = f.at_path("metadata.managedFields")->as_array();
  REQUIRE(managers.size() == 1);
  CHECK(managers[0].str("manager") == "steward");

  // A label-only change is metadata: no generation bump.
  auto labelled = s.patch(path + "?fieldManager=other", R"({"metadata":{"labels":{"x":"y"}}})", "application/merge-patch+json");
  CHECK(labelled.json().at_path("metadata.generation")->as_int() == 3);
}

TEST_CASE("apply to a kind that is not served answers the text 404 (33)") {
  TestServer s;
  auto r = s.patch("/apis/example.com/v1/namespaces/default/gadgets/g1?fieldManager=steward&force=true",
                   "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g1, namespace: default}\n",
                   "application/apply-patch+yaml");
  CHECK(r.status == 404);
  CHECK(r.body == "404 page not found\n");
}

TEST_CASE("lists page with limit and continue, and items of built-ins carry no kind") {
  ServerOptions o = TestServer::plain_options();
  o.seed_configmaps = 5;
  o.seed_bytes = 10;
  TestServer s(o);
  auto first = s.get("/api/v1/configmaps?limit=2").json();
  CHECK(first.str("kind") == "ConfigMapList");
  CHECK(first.at_path("metadata.remainingItemCount")->as_int() == 3);
  const auto& items = first.find("items")->as_array();
  REQUIRE(items.size() == 2);
  CHECK(items[0].find("kind") == nullptr);
  CHECK(items[0].find("apiVersion") == nullptr);
  CHECK(items[0].at_path("metadata.name")->as_string() == "cm-000000");
  std::vector<std::string> names;
  std::string cont = first.at_path("metadata.continue")->as_string();
  std::string list_rv = rv_of(first);
  while (!cont.empty()) {
    auto page = s.get("/api/v1/configmaps?limit=2&continue=" + cont).json();
    CHECK(rv_of(page) == list_rv);
    for (const auto& i : page.find("items")->as_array()) names.push_back(i.at_path("metadata.name")->as_string());
    const json::Value* c = page.at_path("metadata.continue");
    cont = c ? c->as_string() : "";
  }
  CHECK(names == std::vector<std::string>{"cm-000002", "cm-000003", "cm-000004"});
  // resourceVersion=0 is answered from the watch cache: the whole list, limit ignored (1.20).
  CHECK(s.get("/api/v1/configmaps?limit=2&resourceVersion=0").json().find("items")->as_array().size() == 5);
  // An empty page still has the list resourceVersion (18).
  auto empty = s.get("/api/v1/namespaces/kube-system/serviceaccounts?limit=1").json();
  CHECK(empty.find("items")->as_array().empty());
  CHECK_FALSE(rv_of(empty).empty());
}

TEST_CASE("an expired continue token answers 410 Expired with a fresh token (23)") {
  ServerOptions o = TestServer::plain_options();
  o.seed_configmaps = 3;
  TestServer s(o);
  auto first = s.get("/api/v1/configmaps?limit=1").json();
  std::string cont = first.at_path("metadata.continue")->as_string();
  REQUIRE(s.faults(R"({"compact":true})").status == 200);
  // The compaction is carried out right after the admin answer; the next request sees it.
  s.post("/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"after"}})");
  auto expired = s.get("/api/v1/configmaps?limit=1&continue=" + cont);
  CHECK(expired.status == 410);
  auto st = expired.json();
  CHECK(st.str("reason") == "Expired");
  CHECK(st.find("code")->as_int() == 410);
  CHECK(st.at_path("metadata.continue"));
  CHECK(st.str("message").rfind("The provided continue parameter is too old", 0) == 0);
}

TEST_CASE("label and field selectors filter lists") {
  TestServer s;
  create_namespace(s, "a");
  create_namespace(s, "b");
  s.post("/api/v1/namespaces/a/configmaps", R"({"metadata":{"name":"one","labels":{"app":"web","tier":"front"}}})");
  s.post("/api/v1/namespaces/a/configmaps", R"({"metadata":{"name":"two","labels":{"app":"db"}}})");
  s.post("/api/v1/namespaces/b/configmaps", R"({"metadata":{"name":"three","labels":{"app":"web"}}})");
  auto count = [&](const std::string& query) {
    auto r = s.get("/api/v1/configmaps?" + query);
    REQUIRE(r.status == 200);
    return r.json().find("items")->as_array().size();
  };
  CHECK(count("labelSelector=app%3Dweb") == 2);
  CHECK(count("labelSelector=app!%3Dweb") == 1);
  CHECK(count("labelSelector=app+in+(web,db)") == 3);
  CHECK(count("labelSelector=app+notin+(web)") == 1);
  CHECK(count("labelSelector=tier") == 1);
  CHECK(count("labelSelector=!tier") == 2);
  CHECK(count("fieldSelector=metadata.namespace%3Db") == 1);
  CHECK(count("fieldSelector=metadata.name%3Dtwo") == 1);
  CHECK(s.get("/api/v1/namespaces/a/configmaps").json().find("items")->as_array().size() == 2);
  CHECK(s.get("/api/v1/configmaps?fieldSelector=spec.x%3D1").status == 400);
}

TEST_CASE("delete: precondition conflict, success Status, then 404 (19-21)") {
  TestServer s;
  create_namespace(s, "ref");
  auto cm = s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"a"}})").json();
  std::string uid = cm.at_path("metadata.uid")->as_string();
  auto mismatch = s.del("/api/v1/namespaces/ref/configmaps/a",
                        R"({"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"00000000-0000-0000-0000-000000000000"}})");
  CHECK(mismatch.status == 409);
  CHECK(mismatch.body == R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on ConfigMap \"a\": the UID in the precondition (00000000-0000-0000-0000-000000000000) does not match the UID in record ()" +
                             uid + R"(). The object might have been deleted and then recreated","reason":"Conflict","details":{"name":"a","kind":"ConfigMap"},"code":409})");
  CHECK(s.del("/api/v1/namespaces/ref/configmaps/a", R"({"preconditions":{"resourceVersion":"1"}})").status == 409);
  auto ok = s.del("/api/v1/namespaces/ref/configmaps/a",
                  R"({"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":")" + uid + R"("},"propagationPolicy":"Background"})");
  CHECK(ok.status == 200);
  CHECK(ok.body == R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"a","kind":"configmaps","uid":")" + uid + R"("}})");
  auto gone = s.del("/api/v1/namespaces/ref/configmaps/a");
  CHECK(gone.status == 404);
  CHECK(gone.json().str("reason") == "NotFound");
}

TEST_CASE("an object with finalizers gets a deletionTimestamp and goes when they are removed") {
  TestServer s;
  create_namespace(s, "ref");
  s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"f","finalizers":["example.com/hold"]}})");
  auto marked = s.del("/api/v1/namespaces/ref/configmaps/f");
  CHECK(marked.status == 200);
  CHECK(marked.json().at_path("metadata.deletionTimestamp"));
  CHECK(s.get("/api/v1/namespaces/ref/configmaps/f").status == 200);
  auto released = s.patch("/api/v1/namespaces/ref/configmaps/f", R"({"metadata":{"finalizers":null}})", "application/merge-patch+json");
  CHECK(released.status == 200);
  CHECK(s.get("/api/v1/namespaces/ref/configmaps/f").status == 404);
}

TEST_CASE("a CRD becomes Established, its resource is discovered and served, and goes with it (26-30)") {
  TestServer s;
  create_namespace(s, "ref");
  CHECK(s.get("/apis/example.com/v1").status == 404);
  auto crd = s.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                    R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList"},"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]}})");
  REQUIRE(crd.status == 201);
  auto created = crd.json();
  CHECK(created.at_path("status.conditions")->is_null());
  CHECK(created.at_path("spec.conversion.strategy")->as_string() == "None");
  CHECK(json::write(*created.at_path("status.storedVersions")) == R"(["v1"])");

  auto got = s.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").json();
  bool established = false;
  for (const auto& c : got.at_path("status.conditions")->as_array())
    if (c.str("type") == "Established" && c.str("status") == "True") established = true;
  CHECK(established);
  CHECK(std::stoull(rv_of(got)) > std::stoull(rv_of(created)));

  auto disc = s.get("/apis/example.com/v1");
  REQUIRE(disc.status == 200);
  CHECK(disc.body == R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"example.com/v1","resources":[{"name":"widgets","singularName":"widget","namespaced":true,"kind":"Widget","verbs":["delete","deletecollection","get","list","patch","create","update","watch"],"storageVersionHash":"gIwvi5rymmg="}]})");

  auto w = s.patch("/apis/example.com/v1/namespaces/ref/widgets/w1?fieldManager=steward&force=true",
                   "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: ref}\nspec: {size: 3, color: blue}\n",
                   "application/apply-patch+yaml");
  REQUIRE(w.status == 201);
  auto widget = w.json();
  CHECK(widget.as_object()[0].key == "apiVersion");  // custom resources come out with sorted keys (30)
  CHECK(json::write(*widget.find("spec")) == R"({"color":"blue","size":3})");
  CHECK(widget.at_path("metadata.generation")->as_int() == 1);
  auto list = s.get("/apis/example.com/v1/widgets").json();
  CHECK(list.find("items")->as_array()[0].str("kind") == "Widget");

  CHECK(s.del("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").status == 200);
  CHECK(s.get("/apis/example.com/v1").status == 404);
  CHECK(s.get("/apis/example.com/v1/namespaces/ref/widgets/w1").status == 404);
}

TEST_CASE("Service, Lease and Event defaults look like the real server's (31, 32)") {
  TestServer s;
  create_namespace(s, "ref");
  auto svc = s.post("/api/v1/namespaces/ref/services", R"({"metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}})").json();
  CHECK(json::write(*svc.at_path("spec.ports")) == R"([{"protocol":"TCP","port":80,"targetPort":80}])");
  CHECK(svc.at_path("spec.type")->as_string() == "ClusterIP");
  CHECK(svc.at_path("spec.clusterIP")->as_string().rfind("10.0.", 0) == 0);
  CHECK(svc.at_path("spec.sessionAffinity")->as_string() == "None");

  auto lease = s.post("/apis/coordination.k8s.io/v1/namespaces/ref/leases",
                      R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"steward"},"spec":{"holderIdentity":"pod-a","leaseDurationSeconds":15,"acquireTime":"2026-11-24T00:08:29.000000Z","renewTime":"2026-11-24T00:08:29.000000Z","leaseTransitions":0}})");
  REQUIRE(lease.status == 201);
  CHECK(json::write(*lease.json().find("spec")) == R"({"holderIdentity":"pod-a","leaseDurationSeconds":15,"acquireTime":"2026-11-24T00:08:29.000000Z","renewTime":"2026-11-24T00:08:29.000000Z","leaseTransitions":0})");

  auto ev = s.post("/apis/events.k8s.io/v1/namespaces/ref/events",
                   R"({"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"web.drift1"},"eventTime":"2026-11-24T00:08:29.000000Z","reportingController":"steward.dev/steward","reportingInstance":"pod-a","action":"Apply","reason":"DriftCorrected","regarding":{"apiVersion":"apps/v1","kind":"Deployment","namespace":"ref","name":"web"},"note":"reverted spec.replicas","type":"Normal"})");
  REQUIRE(ev.status == 201);
  auto e = ev.json();
  CHECK(json::write(*e.find("deprecatedSource")) == "{}");
  CHECK(e.find("deprecatedFirstTimestamp")->is_null());
  CHECK(s.post("/api/v1/namespaces/ref/events", R"({"metadata":{"name":"core1"},"reason":"X","involvedObject":{"kind":"Pod","namespace":"ref","name":"p"}})").status == 201);
}

TEST_CASE("namespace deletion removes its contents") {
  TestServer s;
  create_namespace(s, "gone");
  s.post("/api/v1/namespaces/gone/configmaps", R"({"metadata":{"name":"a"}})");
  auto r = s.del("/api/v1/namespaces/gone");
  CHECK(r.status == 200);
  CHECK(r.json().at_path("status.phase")->as_string() == "Terminating");
  CHECK(s.get("/api/v1/namespaces/gone").status == 404);
  CHECK(s.get("/api/v1/namespaces/gone/configmaps/a").status == 404);
}

TEST_CASE("RBAC kinds are served, and a binding's roleRef and subjects get the rbac/v1 defaults") {
  TestServer s;
  create_namespace(s, "r");
  auto rbac = s.get("/apis/rbac.authorization.k8s.io/v1").json();
  std::set<std::string> names;
  for (const auto& r : rbac.find("resources")->as_array()) {
    names.insert(r.str("name"));
    if (r.str("name") == "rolebindings") {
      CHECK(json::write(r) ==
            R"({"name":"rolebindings","singularName":"","namespaced":true,"kind":"RoleBinding","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"storageVersionHash":"eGsCzGH6b1g="})");
    }
  }
  CHECK(names == std::set<std::string>{"clusterrolebindings", "clusterroles", "rolebindings", "roles"});
  auto created = s.post("/apis/rbac.authorization.k8s.io/v1/namespaces/r/rolebindings",
                        R"({"metadata":{"name":"b"},"roleRef":{"kind":"ClusterRole","name":"view"},)"
                        R"("subjects":[{"kind":"ServiceAccount","name":"sa","namespace":"r"},{"kind":"User","name":"u"}]})");
  REQUIRE(created.status == 201);
  auto b = created.json();
  CHECK(b.at_path("roleRef.apiGroup")->as_string() == "rbac.authorization.k8s.io");
  const auto& subjects = b.find("subjects")->as_array();
  REQUIRE(subjects.size() == 2);
  CHECK(subjects[0].find("apiGroup") == nullptr);  // "" for a ServiceAccount, omitted when empty
  CHECK(subjects[1].str("apiGroup") == "rbac.authorization.k8s.io");
}

TEST_CASE("faults: seeded error injection with Retry-After, and reset") {
  TestServer s;
  REQUIRE(s.faults(R"({"errorRate":1.0,"errorCodes":[429],"retryAfterSeconds":2,"seed":7})").status == 200);
  auto r = s.get("/api/v1/namespaces");
  CHECK(r.status == 429);
  CHECK(r.headers["retry-after"] == "2");
  CHECK(r.json().str("reason") == "TooManyRequests");
  REQUIRE(s.faults(R"({"errorRate":1.0,"errorCodes":[503]})").status == 200);
  CHECK(s.get("/api/v1/namespaces").status == 503);
  REQUIRE(s.faults(R"({"errorRate":1.0,"errorCodes":[500]})").status == 200);
  CHECK(s.get("/api/v1/namespaces").json().str("reason") == "InternalError");

  // Same seed, same draws: two runs of 20 requests at 50% fail the same requests.
  auto pattern = [&] {
    REQUIRE(s.faults(R"({"reset":true,"errorRate":0.5,"errorCodes":[503],"seed":42})").status == 200);
    std::string out;
    for (int i = 0; i < 20; ++i) out += s.get("/api/v1/namespaces").status == 200 ? '.' : 'x';
    return out;
  };
  std::string a = pattern();
  CHECK(a == pattern());
  CHECK(a.find('x') != std::string::npos);
  CHECK(a.find('.') != std::string::npos);
  REQUIRE(s.faults(R"({"reset":true})").status == 200);
  CHECK(s.get("/api/v1/namespaces").status == 200);
}

TEST_CASE("faults: targeted failures hit one path and method, for a count or until reset") {
  TestServer s;
  create_namespace(s, "t");
  const std::string cm = "/api/v1/namespaces/t/configmaps";
  REQUIRE(s.post(cm, R"({"metadata":{"name":"a"}})").status == 201);
  REQUIRE(s.post(cm, R"({"metadata":{"name":"b"}})").status == 201);
  REQUIRE(s.faults(R"({"failRequests":[{"method":"PATCH","path":"/api/v1/namespaces/t/configmaps/a","code":500,"count":2},)"
                   R"({"path":"/api/v1/namespaces/t/configmaps/b","code":403}]})").status == 200);
  const auto patch = [&](const std::string& name) {
    return s.patch(cm + "/" + name, R"({"data":{"k":"v"}})", "application/merge-patch+json");
  };
  // a: the next two PATCHes fail, then they succeed; a GET is another method, untouched.
  CHECK(s.get(cm + "/a").status == 200);
  CHECK(patch("a").json().str("reason") == "InternalError");
  CHECK(patch("a").status == 500);
  CHECK(patch("a").status == 200);
  // b: every method, with no count: until reset.
  for (int i = 0; i < 3; ++i) {
    const auto denied = patch("b");
    CHECK(denied.status == 403);
    CHECK(denied.json().str("reason") == "Forbidden");
  }
  CHECK(s.get(cm + "/b").status == 403);
  CHECK(s.get(cm).status == 200);  // the collection is another path
  auto standing = s.get("/_testapi/faults").json();
  REQUIRE(standing.find("failRequests")->as_array().size() == 2);
  CHECK(standing.find("failRequests")->as_array()[0].find("remaining")->as_int() == 0);
  CHECK(s.faults(R"({"failRequests":[{"code":403}]})").status == 400);  // no path
  REQUIRE(s.faults(R"({"reset":true})").status == 200);
  CHECK(patch("b").status == 200);
}

TEST_CASE("the write log lists every write in order with its code, dry runs marked, reads not") {
  TestServer s;
  create_namespace(s, "w");
  const std::string cm = "/api/v1/namespaces/w/configmaps";
  REQUIRE(s.patch(cm + "/a?fieldManager=t", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
                  "application/apply-patch+yaml").status == 201);
  REQUIRE(s.get(cm + "/a").status == 200);
  REQUIRE(s.patch(cm + "/a?dryRun=All", R"({"data":{"k":"v"}})", "application/merge-patch+json").status == 200);
  REQUIRE(s.faults(R"({"failRequests":[{"method":"DELETE","path":"/api/v1/namespaces/w/configmaps/a","count":1,"code":503}]})").status == 200);
  REQUIRE(s.del(cm + "/a").status == 503);
  REQUIRE(s.del(cm + "/a").status == 200);
  const auto log = s.get("/_testapi/writes").json();
  const auto& writes = log.find("writes")->as_array();
  REQUIRE(writes.size() == 5);
  const auto line = [&](std::size_t i) {
    const auto& w = writes[i];
    return w.str("method") + " " + w.str("path") + " " + std::to_string(w.find("code")->as_int()) +
           (w.find("dryRun")->as_bool() ? " dry" : "");
  };
  CHECK(line(0) == "POST /api/v1/namespaces 201");
  CHECK(line(1) == "PATCH /api/v1/namespaces/w/configmaps/a 201");
  CHECK(line(2) == "PATCH /api/v1/namespaces/w/configmaps/a 200 dry");
  CHECK(line(3) == "DELETE /api/v1/namespaces/w/configmaps/a 503");
  CHECK(line(4) == "DELETE /api/v1/namespaces/w/configmaps/a 200");
  CHECK(writes[4].find("atMs")->as_int() >= writes[0].find("atMs")->as_int());
  CHECK(log.find("dropped")->as_int() == 0);
}

TEST_CASE("faults: added latency delays answers") {
  TestServer s;
  REQUIRE(s.faults(R"({"latencyMs":150})").status == 200);
  auto start = std::chrono::steady_clock::now();
  CHECK(s.get("/api/v1/namespaces").status == 200);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(150));
}

TEST_CASE("deployments/scale reads and writes spec.replicas as an autoscaling/v1 Scale, managedFields untouched") {
  // As kube-apiserver 1.20.2 answered kubectl scale (its PATCH {"spec":{"replicas":N}}) and a GET of
  // the subresource: the Scale carries five metadata fields, status.selector is the selector's
  // string, and the object's managedFields stay as the apply left them.
  TestServer s;
  create_namespace(s, "ref");
  bool listed = false;
  auto apps = s.get("/apis/apps/v1").json();
  for (const auto& r : apps.find("resources")->as_array())
    if (r.str("name") == "deployments/scale") {
      listed = true;
      CHECK(json::write(r) ==
            R"({"name":"deployments/scale","singularName":"","namespaced":true,"group":"autoscaling","version":"v1","kind":"Scale","verbs":["get","patch","update"]})");
    }
  CHECK(listed);
  auto applied = s.patch("/apis/apps/v1/namespaces/ref/deployments/web?fieldManager=kubectl", with_replicas(kDeploymentApply),
                         "application/apply-patch+yaml");
  REQUIRE(applied.status == 201);
  std::string fields_before = json::write(*applied.json().at_path("metadata.managedFields"));

  auto scale = s.get("/apis/apps/v1/namespaces/ref/deployments/web/scale");
  REQUIRE(scale.status == 200);
  auto sc = scale.json();
  CHECK(json::write(*sc.find("spec")) == R"({"replicas":1})");
  CHECK(json::write(*sc.find("status")) == R"({"replicas":0,"selector":"app=web"})");
  CHECK(sc.str("kind") == "Scale");
  CHECK(sc.str("apiVersion") == "autoscaling/v1");
  CHECK(sc.find("metadata")->as_object().size() == 5);

  auto patched = s.patch("/apis/apps/v1/namespaces/ref/deployments/web/scale", R"({"spec":{"replicas":5}})",
                         "application/merge-patch+json");
  REQUIRE(patched.status == 200);
  CHECK(json::write(*patched.json().find("spec")) == R"({"replicas":5})");
  auto d = s.get("/apis/apps/v1/namespaces/ref/deployments/web").json();
  CHECK(d.at_path("spec.replicas")->as_int() == 5);
  CHECK(d.at_path("metadata.generation")->as_int() == 2);
  CHECK(rv_of(d) == rv_of(patched.json()));
  CHECK(json::write(*d.at_path("metadata.managedFields")) == fields_before);

  // PUT of a Scale, with a stale resourceVersion first.
  auto stale = s.put("/apis/apps/v1/namespaces/ref/deployments/web/scale",
                     R"({"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","namespace":"ref","resourceVersion":"1"},"spec":{"replicas":2}})");
  CHECK(stale.status == 409);
  auto put = s.put("/apis/apps/v1/namespaces/ref/deployments/web/scale",
                   R"({"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","namespace":"ref","resourceVersion":")" +
                       rv_of(d) + R"("},"spec":{"replicas":2}})");
  REQUIRE(put.status == 200);
  CHECK(s.get("/apis/apps/v1/namespaces/ref/deployments/web").json().at_path("spec.replicas")->as_int() == 2);
  CHECK(s.get("/apis/apps/v1/namespaces/ref/deployments/missing/scale").status == 404);
  CHECK(s.get("/api/v1/namespaces/ref/configmaps/x/scale").status == 404);
}

TEST_CASE("the status subresource writes only status, and the main resource keeps it") {
  TestServer s;
  create_namespace(s, "ref");
  const std::string path = "/apis/apps/v1/namespaces/ref/deployments/web";
  REQUIRE(s.patch(path + "?fieldManager=steward", kDeploymentApply, "application/apply-patch+yaml").status == 201);
  auto st = s.patch(path + "/status", R"({"status":{"observedGeneration":1,"replicas":1},"spec":{"replicas":7}})",
                    "application/merge-patch+json");
  REQUIRE(st.status == 200);
  auto d = st.json();
  CHECK(d.at_path("status.replicas")->as_int() == 1);
  CHECK(d.at_path("spec.replicas")->as_int() == 1);
  CHECK(d.at_path("metadata.generation")->as_int() == 1);
  auto main = s.patch(path, R"({"status":{"replicas":5}})", "application/merge-patch+json").json();
  CHECK(main.at_path("status.replicas")->as_int() == 1);
}

TEST_CASE("malformed requests get Status errors, not a dead server") {
  TestServer s;
  create_namespace(s, "ref");
  s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"a"}})");
  CHECK(s.post("/api/v1/namespaces/ref/configmaps", "{not json").status == 400);
  CHECK(s.patch("/api/v1/namespaces/ref/configmaps/a", R"([{"op":"replace","path":"/data/x/0/y","value":1}])",
                "application/json-patch+json").status >= 400);
  CHECK(s.patch("/api/v1/namespaces/ref/configmaps/a", R"([{"op":"add","path":"/data","value":{"k":"v"}}])",
                "application/json-patch+json").json().at_path("data.k")->as_string() == "v");
  CHECK(s.patch("/api/v1/namespaces/ref/configmaps/a", "{}", "text/plain").status == 415);
  CHECK(s.post("/api/v1/namespaces/ref/configmaps", "\x6b\x38\x73").status == 400);
  CHECK(request(s.endpoint(), "POST", "/api/v1/namespaces/ref/configmaps", "k8s\x00", "application/vnd.kubernetes.protobuf").status == 415);
  CHECK(s.get("/api/v1/namespaces/ref/configmaps/a").status == 200);
}

TEST_CASE("a Service update without clusterIP keeps the allocated one") {
  TestServer s;
  create_namespace(s, "ref");
  auto svc = s.post("/api/v1/namespaces/ref/services", R"({"metadata":{"name":"web"},"spec":{"ports":[{"port":80}]}})").json();
  std::string ip = svc.at_path("spec.clusterIP")->as_string();
  auto updated = s.put("/api/v1/namespaces/ref/services/web", R"({"metadata":{"name":"web"},"spec":{"ports":[{"port":81}]}})");
  REQUIRE(updated.status == 200);
  CHECK(updated.json().at_path("spec.clusterIP")->as_string() == ip);
}

TEST_CASE("dryRun=All answers as the write would, and writes nothing") {
  TestServer s;
  create_namespace(s, "ref");
  const std::string path = "/apis/apps/v1/namespaces/ref/deployments/web";
  auto dry = s.patch(path + "?fieldManager=steward&dryRun=All", kDeploymentApply, "application/apply-patch+yaml");
  CHECK(dry.status == 201);
  CHECK(dry.json().at_path("spec.replicas")->as_int() == 1);
  CHECK(s.get(path).status == 404);
  auto created = s.patch(path + "?fieldManager=steward", kDeploymentApply, "application/apply-patch+yaml").json();
  auto dry_edit = s.patch(path + "?fieldManager=e&dryRun=All", R"({"spec":{"replicas":4}})", "application/merge-patch+json");
  CHECK(dry_edit.json().at_path("spec.replicas")->as_int() == 4);
  CHECK(rv_of(s.get(path).json()) == rv_of(created));
  CHECK(s.del(path + "?dryRun=All").status == 200);
  CHECK(s.get(path).status == 200);
  CHECK(s.del(path + "?dryRun=Some").status == 400);
}

TEST_CASE("deletecollection deletes what the selector matches") {
  TestServer s;
  create_namespace(s, "ref");
  s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"a","labels":{"x":"1"}}})");
  s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"b","labels":{"x":"2"}}})");
  auto r = s.del("/api/v1/namespaces/ref/configmaps?labelSelector=x%3D1");
  CHECK(r.status == 200);
  CHECK(r.json().find("items")->as_array().size() == 1);
  CHECK(s.get("/api/v1/namespaces/ref/configmaps/a").status == 404);
  CHECK(s.get("/api/v1/namespaces/ref/configmaps/b").status == 200);
}

TEST_CASE("the admin endpoint rotates the bearer token") {
  TestServer s;
  REQUIRE(s.faults(R"({"token":"rotated"})").status == 200);
  CHECK(s.get("/api/v1/namespaces").status == 401);
  Endpoint rotated = s.endpoint();
  rotated.token = "rotated";
  CHECK(request(rotated, "GET", "/api/v1/namespaces").status == 200);
}

TEST_CASE("the all-namespaces path of a namespaced resource only reads") {
  TestServer s;
  CHECK(s.post("/api/v1/configmaps", R"({"metadata":{"name":"a","namespace":"default"}})").status == 405);
  CHECK(s.get("/api/v1/configmaps").status == 200);
}

TEST_CASE("a strategic merge patch merges containers by name instead of replacing the list") {
  TestServer s;
  create_namespace(s, "ref");
  const std::string path = "/apis/apps/v1/namespaces/ref/deployments/web";
  REQUIRE(s.patch(path + "?fieldManager=steward", kDeploymentApply, "application/apply-patch+yaml").status == 201);
  auto patched = s.patch(path, R"({"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:1.26"},{"name":"side","image":"busybox"}]}}}})",
                         "application/strategic-merge-patch+json");
  REQUIRE(patched.status == 200);
  json::Value d = patched.json();
  const auto& cs = d.at_path("spec.template.spec.containers")->as_array();
  REQUIRE(cs.size() == 2);
  CHECK(cs[0].str("image") == "nginx:1.26");
  CHECK(cs[0].at_path("resources.requests.cpu")->as_string() == "500m");  // kept, not replaced
  CHECK(cs[1].str("imagePullPolicy") == "Always");  // no tag means :latest
  auto removed = s.patch(path, R"({"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}})",
                         "application/strategic-merge-patch+json");
  CHECK(removed.json().at_path("spec.template.spec.containers")->as_array().size() == 1);
}

TEST_CASE("the applied Deployment reads byte for byte like the real server's answer (13)") {
  TestServer s;
  create_namespace(s, "ref");
  auto r = s.patch("/apis/apps/v1/namespaces/ref/deployments/web?fieldManager=steward&force=true", kDeploymentApply,
                   "application/apply-patch+yaml");
  REQUIRE(r.status == 201);
  // Server-chosen values differ run to run; everything else must be the same bytes.
  std::string body = std::regex_replace(r.body, std::regex(R"("uid":"[^"]*")"), R"("uid":"UID")");
  body = std::regex_replace(body, std::regex(R"("resourceVersion":"[0-9]+")"), R"("resourceVersion":"RV")");
  body = std::regex_replace(body, std::regex(R"re("(creationTimestamp|time)":"[^"]*")re"), R"("$1":"T")");
  CHECK(body ==
        R"json({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"ref","uid":"UID","resourceVersion":"RV","generation":1,"creationTimestamp":"T","managedFields":[{"manager":"steward","operation":"Apply","apiVersion":"apps/v1","time":"T","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}},"f:resources":{"f:limits":{"f:cpu":{}},"f:requests":{"f:cpu":{},"f:memory":{}}}}}}}}}}]},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1.25","ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{"limits":{"cpu":"1"},"requests":{"cpu":"500m","memory":"1Gi"}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},"revisionHistoryLimit":10,"progressDeadlineSeconds":600},"status":{}})json");
}

// What the differential suite (test/real/differential.py) found this server doing differently from
// a real kube-apiserver 1.20, pinned here so it stays fixed without a real server at hand.
TEST_CASE("differential suite findings: errors answered as kube-apiserver 1.20 answers them") {
  TestServer s;
  create_namespace(s, "ref");
  auto sel = s.get("/api/v1/namespaces/ref/configmaps?labelSelector=a%3D%3D%3Db");
  CHECK(sel.status == 400);
  CHECK(sel.json().str("message") == "unable to parse requirement: found '=', expected: identifier");

  auto no_manager = s.patch("/apis/apps/v1/namespaces/ref/deployments/web", kDeploymentApply, "application/apply-patch+yaml");
  CHECK(no_manager.status == 422);
  CHECK(no_manager.body ==
        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch","reason":"Invalid","details":{"group":"meta.k8s.io","kind":"PatchOptions","causes":[{"reason":"FieldValueRequired","message":"Required value: is required for apply patch","field":"fieldManager"}]},"code":422})");

  REQUIRE(s.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                 R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","kind":"Widget"},"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]}})")
              .status == 201);
  REQUIRE(s.post("/apis/example.com/v1/namespaces/ref/widgets", R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"}})").status == 201);
  auto unconditional = s.put("/apis/example.com/v1/namespaces/ref/widgets/w", R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{}})");
  CHECK(unconditional.status == 422);
  CHECK(unconditional.json().str("message") ==
        "widgets.example.com \"w\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");

  auto crd = s.del("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com");
  REQUIRE(crd.status == 200);
  auto marked = crd.json();
  CHECK(marked.at_path("metadata.deletionTimestamp"));
  CHECK(json::write(*marked.at_path("metadata.finalizers")) == R"(["customresourcecleanup.apiextensions.k8s.io"])");
  CHECK(marked.at_path("status.conditions")->as_array().back().str("reason") == "InstanceDeletionPending");
}

TEST_CASE("differential suite findings: defaults and the managedFields of creates") {
  TestServer s;
  create_namespace(s, "ref");
  auto ns = s.get("/api/v1/namespaces/ref").json();
  // The registry adds the kubernetes finalizer after the field manager ran: nobody owns it.
  CHECK(json::write(*ns.at_path("metadata.managedFields")->as_array()[0].find("fieldsV1")) == R"({"f:status":{"f:phase":{}}})");

  auto d = s.post("/apis/apps/v1/namespaces/ref/deployments",
                  R"({"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x:1","env":[{"name":"A","value":"1"}]}]}}}})");
  REQUIRE(d.status == 201);
  auto dep = d.json();
  const json::Value& c = dep.at_path("spec.template.spec.containers")->as_array()[0];
  CHECK(json::write(*c.find("resources")) == "{}");
  // Diffed against the zero Deployment: status {} and the template's null creationTimestamp are
  // nobody's; maps and lists the create made carry ".".
  std::string fields = json::write(*dep.at_path("metadata.managedFields")->as_array()[0].find("fieldsV1"));
  CHECK(fields.find("f:status") == std::string::npos);
  CHECK(fields.find("f:creationTimestamp") == std::string::npos);
  CHECK(fields.find(R"("f:env":{".":{})") != std::string::npos);
  CHECK(fields.find(R"("f:resources":{})") != std::string::npos);

  auto svc = s.post("/api/v1/namespaces/ref/services", R"({"metadata":{"name":"s"},"spec":{"selector":{"a":"b"},"ports":[{"port":80}]}})");
  REQUIRE(svc.status == 201);
  std::string svc_fields = json::write(*svc.json().at_path("metadata.managedFields")->as_array()[0].find("fieldsV1"));
  CHECK(svc_fields.find("f:clusterIP") == std::string::npos);  // allocated after the field manager
  CHECK(svc_fields.find(R"("f:selector":{".":{})") != std::string::npos);

  // An apply that drops the last limit leaves no limits: {} (an empty omitempty map is not printed).
  REQUIRE(s.patch("/apis/apps/v1/namespaces/ref/deployments/web?fieldManager=steward", kDeploymentApply,
                  "application/apply-patch+yaml").status == 201);
  std::string trimmed = kDeploymentApply;
  trimmed.replace(trimmed.find(", limits: {cpu: 1000m}"), std::string(", limits: {cpu: 1000m}").size(), "");
  auto applied = s.patch("/apis/apps/v1/namespaces/ref/deployments/web?fieldManager=steward", trimmed,
                         "application/apply-patch+yaml");
  REQUIRE(applied.status == 200);
  CHECK(json::write(*applied.json().at_path("spec.template.spec.containers")->as_array()[0].find("resources")) ==
        R"({"requests":{"cpu":"500m","memory":"1Gi"}})");
}

TEST_CASE("differential suite findings: removing the last finalizer answers the update at its version") {
  TestServer s;
  create_namespace(s, "ref");
  s.post("/api/v1/namespaces/ref/configmaps", R"({"metadata":{"name":"f"}})");
  s.patch("/api/v1/namespaces/ref/configmaps/f", R"({"metadata":{"finalizers":["example.com/hold"]}})", "application/merge-patch+json");
  auto marked = s.del("/api/v1/namespaces/ref/configmaps/f").json();
  auto released = s.patch("/api/v1/namespaces/ref/configmaps/f", R"({"metadata":{"finalizers":null}})", "application/merge-patch+json");
  REQUIRE(released.status == 200);
  auto out = released.json();
  CHECK(rv_of(out) == rv_of(marked));
  CHECK_FALSE(out.at_path("metadata.finalizers"));
  // The finalizers were all its manager owned: the entry goes (no managedFields at all).
  CHECK_FALSE(out.at_path("metadata.managedFields"));
}

TEST_CASE("an Event's namespace must fit its involved object's (pkg/apis/core/validation/events.go)") {
  TestServer s;
  create_namespace(s, "ref");
  const auto core = [&](const std::string& ns, const std::string& name, const std::string& involved) {
    return s.post("/api/v1/namespaces/" + ns + "/events",
                  R"({"metadata":{"name":")" + name + R"("},"reason":"X","involvedObject":)" + involved + "}");
  };
  const auto modern = [&](const std::string& ns, const std::string& name, const std::string& regarding) {
    return s.post("/apis/events.k8s.io/v1/namespaces/" + ns + "/events",
                  R"({"metadata":{"name":")" + name + R"("},"eventTime":"2026-11-24T00:08:29.000000Z",)"
                  R"("reportingController":"steward.dev/steward","reportingInstance":"pod-a","action":"Apply",)"
                  R"("reason":"X","type":"Normal","regarding":)" + regarding + "}");
  };
  const std::string cluster = R"({"apiVersion":"v1","kind":"Namespace","name":"ref"})";
  const std::string in_ref = R"({"apiVersion":"v1","kind":"ConfigMap","namespace":"ref","name":"c"})";

  // Old-style (no eventTime): a cluster-scoped object's Events in "default" only, a namespaced
  // object's in its own namespace.
  CHECK(core("default", "c1", cluster).status == 201);
  auto refused = core("ref", "c2", cluster);
  CHECK(refused.status == 422);
  CHECK(refused.body ==
        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Event \"c2\" is invalid: involvedObject.namespace: Invalid value: \"\": does not match event.namespace","reason":"Invalid","details":{"name":"c2","kind":"Event","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"\": does not match event.namespace","field":"involvedObject.namespace"}]},"code":422})");
  CHECK(core("ref", "c3", in_ref).status == 201);
  CHECK(core("default", "c4", in_ref).json().str("message") ==
        "Event \"c4\" is invalid: involvedObject.namespace: Invalid value: \"ref\": does not match event.namespace");

  // events.k8s.io/v1 (eventTime set): a cluster-scoped object's Events in kube-system only.
  auto in_default = modern("default", "m1", cluster);
  CHECK(in_default.status == 422);
  CHECK(in_default.json().str("message") ==
        "Event \"m1\" is invalid: involvedObject.namespace: Invalid value: \"\": does not match event.namespace");
  CHECK(in_default.json().find("details")->find("group") == nullptr);
  CHECK(modern("kube-system", "m2", cluster).status == 201);
  CHECK(modern("default", "m3", in_ref).status == 201);

  // Updates, patches and applies pass the same rule.
  CHECK(s.patch("/api/v1/namespaces/ref/events/c3", R"({"involvedObject":{"namespace":null}})", "application/merge-patch+json")
            .status == 422);
  CHECK(s.patch("/api/v1/namespaces/ref/events/c3?fieldManager=t&force=true",
                "apiVersion: v1\nkind: Event\nmetadata: {name: c3, namespace: ref}\ninvolvedObject: {namespace: other}\n",
                "application/apply-patch+yaml").status == 422);
  CHECK(s.patch("/apis/events.k8s.io/v1/namespaces/kube-system/events/m2?fieldManager=t",
                "apiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: m2, namespace: kube-system}\nnote: hi\n",
                "application/apply-patch+yaml").status == 200);
}

TEST_CASE("an update of an immutable field answers 422 Invalid naming the field, as 1.20 does") {
  TestServer s;
  create_namespace(s, "ref");
  const std::string deploy = "/apis/apps/v1/namespaces/ref/deployments/web";
  REQUIRE(s.patch(deploy + "?fieldManager=steward&force=true", kDeploymentApply, "application/apply-patch+yaml").status == 201);
  // The same selector again changes nothing and is no error; the template may change.
  std::string image = kDeploymentApply;
  image.replace(image.find("nginx:1.25"), 10, "nginx:1.26");
  CHECK(s.patch(deploy + "?fieldManager=steward&force=true", image, "application/apply-patch+yaml").status == 200);
  std::string selector = kDeploymentApply;
  selector.replace(selector.find("{app: web}}"), 11, "{app: www}}");
  auto refused = s.patch(deploy + "?fieldManager=steward&force=true", selector, "application/apply-patch+yaml");
  CHECK(refused.status == 422);
  const auto status = refused.json();
  CHECK(status.str("reason") == "Invalid");
  CHECK(status.str("message") ==
        "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: &v1.LabelSelector{...}: field is immutable");
  const auto& causes = status.at_path("details.causes")->as_array();
  REQUIRE(causes.size() == 1);
  CHECK(causes[0].str("reason") == "FieldValueInvalid");
  CHECK(causes[0].str("field") == "spec.selector");
  CHECK(causes[0].str("message").ends_with("field is immutable"));
  // A merge patch goes through the same check.
  CHECK(s.patch(deploy, R"({"spec":{"selector":{"matchLabels":{"app":"x"}}}})", "application/merge-patch+json").status == 422);

  const std::string svc = "/api/v1/namespaces/ref/services/web";
  const std::string svc_yaml = R"(apiVersion: v1
kind: Service
metadata: {name: web, namespace: ref}
spec:
  clusterIP: 10.0.0.50
  ports: [{port: 80}]
)";
  REQUIRE(s.patch(svc + "?fieldManager=steward&force=true", svc_yaml, "application/apply-patch+yaml").status == 201);
  std::string moved = svc_yaml;
  moved.replace(moved.find("10.0.0.50"), 9, "10.0.0.51");
  auto ip = s.patch(svc + "?fieldManager=steward&force=true", moved, "application/apply-patch+yaml");
  CHECK(ip.status == 422);
  CHECK(ip.json().str("message") ==
        "Service \"web\" is invalid: spec.clusterIPs[0]: Invalid value: []string{\"10.0.0.51\"}: may not change once set");
  CHECK(ip.json().at_path("details.causes")->as_array()[0].str("field") == "spec.clusterIPs[0]");
}

namespace {

ServerOptions with_reviewable_users() {
  ServerOptions o = TestServer::plain_options();
  o.users = {{"ptok", "prometheus", "prometheus-uid", {}}, {"ntok", "nobody", "nobody-uid", {"g1"}}};
  return o;
}

std::string token_review(const std::string& token) {
  return R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":")" + token + R"("}})";
}

std::string metrics_review(const std::string& user, const std::string& verb = "get") {
  return R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"nonResourceAttributes":{"path":"/metrics","verb":")" +
         verb + R"("},"user":")" + user + R"(","groups":["system:authenticated"]}})";
}

constexpr const char* kTokenReviews = "/apis/authentication.k8s.io/v1/tokenreviews";
constexpr const char* kAccessReviews = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

}  // namespace

// Answers captured from kube-apiserver 1.20 with a static token file (scripts/kube-apiserver),
// managedFields left out.
TEST_CASE("TokenReview: a static user is authenticated with system:authenticated, a bad token is not") {
  TestServer s(with_reviewable_users());
  auto r = s.post(kTokenReviews, token_review("ntok"));
  CHECK(r.status == 201);
  CHECK(r.body ==
        R"({"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"token":"ntok"},"status":{"authenticated":true,"user":{"username":"nobody","uid":"nobody-uid","groups":["g1","system:authenticated"]},"audiences":["https://kubernetes.default.svc"]}})");
  r = s.post(kTokenReviews, token_review("bogus"));
  CHECK(r.status == 201);
  CHECK(r.json().at_path("status")->find("authenticated") == nullptr);
  CHECK(r.json().at_path("status.error")->as_string() == "invalid bearer token");
  // The admin is reviewed as scripts/kube-apiserver's admin line says.
  r = s.post(kTokenReviews, token_review(s.endpoint().token));
  CHECK(r.json().at_path("status.user.username")->as_string() == "admin");
  CHECK(s.post(kTokenReviews, R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{}})").status == 400);
  // A reviewable user cannot use the API itself.
  Endpoint nobody = s.endpoint();
  nobody.token = "ntok";
  CHECK(request(nobody, "POST", kTokenReviews, token_review("ptok")).status == 403);
}

TEST_CASE("SubjectAccessReview of a non-resource URL follows ClusterRoleBindings as RBAC does") {
  TestServer s(with_reviewable_users());
  auto r = s.post(kAccessReviews, metrics_review("prometheus"));
  CHECK(r.status == 201);
  CHECK(r.json().at_path("status")->find("allowed")->as_bool() == false);
  REQUIRE(s.post("/apis/rbac.authorization.k8s.io/v1/clusterroles",
                 R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"steward-metrics-reader"},"rules":[{"nonResourceURLs":["/metrics"],"verbs":["get"]}]})")
              .status == 201);
  REQUIRE(s.post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                 R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"prom"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"steward-metrics-reader"},"subjects":[{"kind":"User","name":"prometheus"}]})")
              .status == 201);
  r = s.post(kAccessReviews, metrics_review("prometheus"));
  CHECK(r.json().at_path("status.allowed")->as_bool());
  CHECK(r.json().at_path("status.reason")->as_string() ==
        R"(RBAC: allowed by ClusterRoleBinding "prom" of ClusterRole "steward-metrics-reader" to User "prometheus")");
  // The verb and the path must both match: HEAD is not get, /metrics/ is not /metrics.
  CHECK_FALSE(s.post(kAccessReviews, metrics_review("prometheus", "head")).json().at_path("status.allowed")->as_bool());
  CHECK_FALSE(s.post(kAccessReviews, metrics_review("nobody")).json().at_path("status.allowed")->as_bool());
  // system:masters may do anything, without a reason.
  r = s.post(kAccessReviews,
             R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"nonResourceAttributes":{"path":"/metrics","verb":"get"},"user":"admin","groups":["system:masters"]}})");
  CHECK(r.json().at_path("status.allowed")->as_bool());
  CHECK(r.json().at_path("status")->find("reason") == nullptr);
  // Neither attributes, or no user nor group: 422 Invalid.
  CHECK(s.post(kAccessReviews, R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"x"}})").status == 422);
  CHECK(s.post(kAccessReviews,
               R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"nonResourceAttributes":{"path":"/metrics","verb":"get"}}})")
            .status == 422);
}
