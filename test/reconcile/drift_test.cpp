#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "reconcile/drift.hpp"
#include "reconcile/managed_fields.hpp"
#include "support/json.hpp"

using steward::reconcile::applied_fields;
using steward::reconcile::drift_within;
using steward::reconcile::find_drift;
using steward::reconcile::project;
using steward::test::parse_json;

namespace {

rapidjson::Document testdata(const std::string& name) {
  std::ifstream in(std::string(STEWARD_RECONCILE_TESTDATA) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return parse_json(text.str());
}

}  // namespace

TEST_CASE("fields the manifest does not set are not drift: server defaults, status, metadata") {
  auto desired = parse_json(R"({"kind":"ConfigMap","metadata":{"name":"a","labels":{"x":"1"}},"data":{"k":"v"}})");
  auto live = parse_json(R"({"kind":"ConfigMap","metadata":{"name":"a","uid":"u","resourceVersion":"9",
                       "labels":{"x":"1","added-by":"someone"}},"data":{"k":"v","other":"w"},
                       "status":{"phase":"x"}})");
  CHECK_FALSE(find_drift(desired, live).drifted);
}

TEST_CASE("a changed, missing or retyped field is drift, with its path") {
  auto desired = parse_json(R"({"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"c","image":"a:1"}]}}}})");
  auto changed = parse_json(R"({"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"c","image":"a:2"}]}}}})");
  auto d = find_drift(desired, changed);
  CHECK(d.drifted);
  CHECK(d.path == ".spec.template.spec.containers[0].image");
  CHECK(d.reason == "differs");

  auto missing = parse_json(R"({"spec":{"template":{"spec":{"containers":[{"name":"c","image":"a:1"}]}}}})");
  CHECK(find_drift(desired, missing).path == ".spec.replicas");
  CHECK(find_drift(desired, missing).reason == "missing");

  auto retyped = parse_json(R"({"spec":{"replicas":"3","template":{"spec":{"containers":[{"name":"c","image":"a:1"}]}}}})");
  CHECK(find_drift(desired, retyped).path == ".spec.replicas");
}

TEST_CASE("lists must have the same length and match element by element") {
  auto desired = parse_json(R"({"ports":[{"port":80},{"port":443}]})");
  CHECK_FALSE(find_drift(desired, parse_json(R"({"ports":[{"port":80,"protocol":"TCP"},{"port":443,"protocol":"TCP"}]})")).drifted);
  auto shorter = find_drift(desired, parse_json(R"({"ports":[{"port":80}]})"));
  CHECK(shorter.drifted);
  CHECK(shorter.reason == "length 1 != 2");
  CHECK(find_drift(desired, parse_json(R"({"ports":[{"port":443},{"port":80}]})")).path == ".ports[0].port");
}

TEST_CASE("numbers compare by value, and a desired null means absent") {
  CHECK_FALSE(find_drift(parse_json(R"({"a":1})"), parse_json(R"({"a":1.0})")).drifted);
  CHECK(find_drift(parse_json(R"({"a":1})"), parse_json(R"({"a":2})")).drifted);
  CHECK_FALSE(find_drift(parse_json(R"({"a":null})"), parse_json(R"({})")).drifted);
  CHECK(find_drift(parse_json(R"({"a":null})"), parse_json(R"({"a":"x"})")).drifted);
}

TEST_CASE("the real server's defaulted Deployment: only normalised quantities differ") {
  // Reference 13: a real kube-apiserver's answer to applying this Deployment.
  auto desired = testdata("13-deployment-desired.json");
  auto live = testdata("13-deployment-live.json");
  auto d = find_drift(desired, live);
  REQUIRE(d.drifted);  // "0.5" came back as "500m": compared with the manifest, it always differs
  CHECK(d.path == ".spec.template.spec.containers[0].resources.requests.cpu");

  // The projection remembered after the apply takes the server's spelling, and then nothing
  // drifts: one apply per desired change, not one per event.
  rapidjson::Document memo;
  rapidjson::Value projected = project(desired, live, memo.GetAllocator());
  CHECK_FALSE(find_drift(projected, live).drifted);
  CHECK(std::string(projected["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"].GetString()) == "500m");
  CHECK(std::string(projected["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"].GetString()) == "1");

  // A later change by someone else is still caught through the projection.
  live["spec"]["template"]["spec"]["containers"][0]["image"].SetString("nginx:evil");
  CHECK(find_drift(projected, live).path == ".spec.template.spec.containers[0].image");
}

TEST_CASE("a desired field the server drops is not drift once projected") {
  auto desired = parse_json(R"({"data":{},"metadata":{"name":"a"}})");
  auto live = parse_json(R"({"metadata":{"name":"a"}})");
  CHECK(find_drift(desired, live).drifted);
  rapidjson::Document memo;
  auto projected = project(desired, live, memo.GetAllocator());
  CHECK_FALSE(find_drift(projected, live).drifted);
}

TEST_CASE("the real server's answer: a normalised value lies in steward's own fields, an edited "
          "one does not") {
  // Reference 13: steward's Apply entry owns requests.cpu, which came back as 500m.
  auto desired = testdata("13-deployment-desired.json");
  auto live = testdata("13-deployment-live.json");
  const rapidjson::Value* owned = applied_fields(live, "steward");
  REQUIRE(owned != nullptr);
  CHECK(applied_fields(live, "kubectl-edit") == nullptr);
  CHECK(drift_within(desired, live, *owned));

  // kubectl edit sets the cpu: the server moves the field to kubectl-edit's entry
  // (reference 15 shows the same move for spec.replicas).
  auto& container = live["spec"]["template"]["spec"]["containers"][0];
  container["resources"]["requests"]["cpu"].SetString("700m");
  rapidjson::Value& steward_container =
      live["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]["f:template"]["f:spec"]
          ["f:containers"]["k:{\"name\":\"c\"}"];
  REQUIRE(steward_container["f:resources"]["f:requests"].RemoveMember("f:cpu"));
  CHECK_FALSE(drift_within(desired, live, *applied_fields(live, "steward")));
}

TEST_CASE("drift_within: what counts as owned") {
  const auto within = [](const char* desired, const char* live, const char* owned) {
    return drift_within(parse_json(desired), parse_json(live), parse_json(owned));
  };
  // No difference: nothing to own.
  CHECK(within(R"({"a":"1"})", R"({"a":"1","b":2})", "{}"));
  // A differing scalar: owned, or not.
  CHECK(within(R"({"a":"0.5"})", R"({"a":"500m"})", R"({"f:a":{}})"));
  CHECK_FALSE(within(R"({"a":"0.5"})", R"({"a":"500m"})", R"({"f:b":{}})"));
  // Missing, or set where the manifest says absent: never the server's normalisation.
  CHECK_FALSE(within(R"({"a":"1"})", R"({})", R"({"f:a":{}})"));
  CHECK_FALSE(within(R"({"a":null})", R"({"a":"x"})", R"({"f:a":{}})"));
  // An atomic list owned whole: any difference in it, its length included.
  CHECK(within(R"({"args":["a","b"]})", R"({"args":["a","c","d"]})", R"({"f:args":{}})"));
  CHECK_FALSE(within(R"({"args":["a","b"]})", R"({"args":["a","c"]})", R"({"f:other":{}})"));
  // A keyed list: the item matched by its key fields (numbers by value), then the field in it.
  const char* ports =
      R"({"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:name":{}}}})";
  CHECK(within(R"({"ports":[{"port":80,"name":"a"}]})",
               R"({"ports":[{"port":80.0,"protocol":"TCP","name":"b"}]})", ports));
  CHECK_FALSE(within(R"({"ports":[{"port":81,"name":"a"}]})",
                     R"({"ports":[{"port":81,"protocol":"TCP","name":"b"}]})", ports));
  // A keyed list whose length differs: items were added or removed by someone.
  CHECK_FALSE(within(R"({"ports":[{"port":80}]})",
                     R"({"ports":[{"port":80,"protocol":"TCP"},{"port":81}]})", ports));
  // Set items ("v:") and index items ("i:").
  CHECK(within(R"({"s":[{"x":1}]})", R"({"s":[{"x":2}]})", R"({"f:s":{"i:0":{"f:x":{}}}})"));
  CHECK_FALSE(within(R"({"s":[{"x":1}]})", R"({"s":[{"x":2}]})", R"({"f:s":{"i:1":{"f:x":{}}}})"));
  CHECK(within(R"({"s":["a"]})", R"({"s":["b"]})", R"({"f:s":{"v:\"b\"":{}}})"));
  CHECK_FALSE(within(R"({"s":["a"]})", R"({"s":["b"]})", R"({"f:s":{"v:\"a\"":{}}})"));
  // A node that only holds what lies under it is not owned itself: a retyped map is someone's.
  CHECK_FALSE(within(R"({"m":{"k":"v"}})", R"({"m":"x"})", R"({"f:m":{"f:k":{}}})"));
  CHECK(within(R"({"m":{"k":"v"}})", R"({"m":"x"})", R"({"f:m":{".":{},"f:k":{}}})"));
  // spec.replicas: the /scale subresource writes it without taking it (1.20), so steward's
  // ownership does not say steward's apply set the live value.
  CHECK_FALSE(within(R"({"spec":{"replicas":2}})", R"({"spec":{"replicas":5}})",
                     R"({"f:spec":{"f:replicas":{}}})"));
  CHECK(within(R"({"spec":{"replicas":2}})", R"({"spec":{"replicas":2.0}})",
               R"({"f:spec":{"f:replicas":{}}})"));
  CHECK(within(R"({"data":{"replicas":"a"}})", R"({"data":{"replicas":"b"}})",
               R"({"f:data":{"f:replicas":{}}})"));
  // Status and server-owned metadata say nothing, as for the drift rule.
  CHECK(within(R"({"status":{"a":1},"metadata":{"uid":"x"}})", R"({"metadata":{"uid":"y"}})",
               "{}"));
}
