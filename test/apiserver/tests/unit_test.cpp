// Pure logic of the test API server: quantities, selectors, field sets and apply, JSON patching,
// storage revisions and compaction.
#include "compactor.hpp"
#include "field_set.hpp"
#include "http_types.hpp"
#include "json.hpp"
#include "managed_fields.hpp"
#include "quantity.hpp"
#include "selectors.hpp"
#include "validation.hpp"
#include "yaml_to_json.hpp"

#include <catch2/catch.hpp>

using namespace steward::testapi;

TEST_CASE("quantities are canonicalised as the real server stores them") {
  CHECK(canonical_quantity("0.5") == "500m");
  CHECK(canonical_quantity("1000m") == "1");
  CHECK(canonical_quantity("1024Mi") == "1Gi");
  CHECK(canonical_quantity("1536Mi") == "1536Mi");
  CHECK(canonical_quantity("0.5Gi") == "512Mi");
  CHECK(canonical_quantity("1500m") == "1500m");
  CHECK(canonical_quantity("2000") == "2k");
  CHECK(canonical_quantity("100") == "100");
  CHECK(canonical_quantity("512Ki") == "512Ki");
  CHECK(canonical_quantity("1Ki") == "1Ki");
  CHECK(canonical_quantity("0") == "0");
  CHECK(canonical_quantity("1e3") == "1e3");
  CHECK_FALSE(canonical_quantity("abc"));
  CHECK_FALSE(canonical_quantity("1Zi"));
}

TEST_CASE("label selectors support equality, set and existence requirements") {
  json::Value obj = json::parse(R"({"metadata":{"labels":{"app":"web","tier":"front"}}})");
  auto matches = [&](const std::string& text) {
    std::string err;
    auto sel = LabelSelector::parse(text, err);
    REQUIRE(sel);
    return sel->matches(obj);
  };
  CHECK(matches(""));
  CHECK(matches("app=web"));
  CHECK(matches("app==web"));
  CHECK_FALSE(matches("app!=web"));
  CHECK(matches("app!=db"));
  CHECK(matches("tier in (front, back)"));
  CHECK_FALSE(matches("tier notin (front)"));
  CHECK(matches("app,!missing"));
  CHECK_FALSE(matches("missing"));
  CHECK(matches("app=web,tier in (front)"));
  std::string err;
  CHECK_FALSE(LabelSelector::parse("app in front", err));
}

TEST_CASE("field selectors accept metadata.name and metadata.namespace only") {
  json::Value obj = json::parse(R"({"metadata":{"name":"a","namespace":"ns"}})");
  std::string err;
  auto sel = FieldSelector::parse("metadata.name=a,metadata.namespace!=other", err);
  REQUIRE(sel);
  CHECK(sel->matches(obj));
  CHECK_FALSE(FieldSelector::parse("spec.x=1", err));
  CHECK(err.find("is not a known field selector") != std::string::npos);
}

TEST_CASE("YAML plain scalars resolve to numbers and booleans, quoted ones stay strings") {
  json::Value v = yaml_to_json("a: 1\nb: \"1\"\nc: true\nd: 0.5\ne: '0.5'\nf: null\ng: 1024Mi\n");
  CHECK(v.find("a")->is_int());
  CHECK(v.find("b")->is_string());
  CHECK(v.find("c")->is_bool());
  CHECK(v.find("d")->is_double());
  CHECK(v.find("e")->as_string() == "0.5");
  CHECK(v.find("f")->is_null());
  CHECK(v.find("g")->as_string() == "1024Mi");
}

TEST_CASE("merge patch deletes nulls and merges objects") {
  json::Value target = json::parse(R"({"a":{"b":1,"c":2},"d":[1,2]})");
  json::merge_patch(target, json::parse(R"({"a":{"b":null,"e":3},"d":[3]})"));
  CHECK(target == json::parse(R"({"a":{"c":2,"e":3},"d":[3]})"));
}

TEST_CASE("field sets key containers by name and ports by containerPort and protocol") {
  json::Value obj = json::parse(
      R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x","labels":{"a":"b"}},
          "spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"spec":{"containers":[
            {"name":"c","image":"i","ports":[{"containerPort":80}]}]}}}})");
  FieldSet set = fields_of(obj, FieldSetMode::Apply);
  CHECK(json::write(to_fields_v1(set)) ==
        R"({"f:metadata":{"f:labels":{"f:a":{}}},"f:spec":{"f:selector":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}})");
  FieldPath image = {"f:spec", "f:template", "f:spec", "f:containers", "k:{\"name\":\"c\"}", "f:image"};
  CHECK(path_string(image) == ".spec.template.spec.containers[name=\"c\"].image");
  REQUIRE(value_at(obj, image));
  CHECK(value_at(obj, image)->as_string() == "i");
}

TEST_CASE("apply conflicts with another manager's different value unless forced") {
  auto noop = [](json::Value&) {};
  json::Value live = json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}})");
  json::Value config = json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"1"}})");
  ApplyResult first = server_side_apply(live, config, "one", "v1", false, "t1", noop);
  REQUIRE(first.conflicts.empty());
  json::Value updated = first.object;
  updated["data"]["k"] = "2";
  record_update(updated, first.object, "editor", "v1", "t2");

  json::Value config2 = json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"3"}})");
  ApplyResult conflicted = server_side_apply(updated, config2, "one", "v1", false, "t3", noop);
  REQUIRE(conflicted.conflicts.size() == 1);
  CHECK(conflicted.conflicts[0].manager == "\"editor\" using v1");
  CHECK(path_string(conflicted.conflicts[0].path) == ".data.k");

  ApplyResult forced = server_side_apply(updated, config2, "one", "v1", true, "t3", noop);
  REQUIRE(forced.conflicts.empty());
  CHECK(forced.object.at_path("data.k")->as_string() == "3");
  auto entries = read_managed_fields(forced.object);
  REQUIRE(entries.size() == 1);  // the editor lost its only field
  CHECK(entries[0].manager == "one");
}

TEST_CASE("apply removes fields the manager stopped applying") {
  auto noop = [](json::Value&) {};
  json::Value config = json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"1","j":"2"}})");
  ApplyResult first = server_side_apply(json::Value::object(), config, "m", "v1", false, "t", noop);
  json::Value smaller = json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"1"}})");
  ApplyResult second = server_side_apply(first.object, smaller, "m", "v1", false, "t", noop);
  CHECK(second.object.at_path("data.j") == nullptr);
  CHECK(second.object.at_path("data.k")->as_string() == "1");
}

TEST_CASE("boolean query parameters read as kube-apiserver reads them") {
  // apimachinery runtime.Convert_Slice_string_To_bool: only absent, "0" and "false" (any case)
  // are false. The Python client sends "True"; an empty value is true.
  Request req;
  req.target = "/api/v1/configmaps?watch=True&allowWatchBookmarks=&force=FALSE&a=0&b=yes";
  req.parse_target();
  CHECK(req.flag("watch"));
  CHECK(req.flag("allowWatchBookmarks"));
  CHECK_FALSE(req.flag("force"));
  CHECK_FALSE(req.flag("a"));
  CHECK(req.flag("b"));
  CHECK_FALSE(req.flag("absent"));
}

namespace {
json::Value configmap(const std::string& name, const std::string& value) {
  return json::parse(R"({"metadata":{"namespace":"n","name":")" + name + R"("},"data":{"k":")" + value + R"("}})");
}

// "name=value" of every object of /configmaps at revision `at` (0: now).
std::string state_at(const Store& store, std::uint64_t at) {
  std::string out;
  for (const auto& o : store.list("/configmaps", "n", "", 0, [](const json::Value&) { return true; }, at).items)
    out += o->at_path("metadata.name")->as_string() + "=" + o->at_path("data.k")->as_string() + " ";
  return out;
}
}  // namespace

TEST_CASE("the store reads any revision not compacted away, and compaction forgets what it no longer needs") {
  Store store;
  CHECK(store.current_rv() == 1);  // a fresh etcd's revision
  store.create("/configmaps", configmap("a", "1"));
  store.create("/configmaps", configmap("b", "1"));
  const std::uint64_t x = store.current_rv();
  store.update("/configmaps", configmap("a", "2"));
  store.remove("/configmaps", "n", "b");
  store.create("/configmaps", configmap("c", "1"));
  const std::uint64_t y = store.current_rv();
  store.update("/configmaps", configmap("c", "2"));
  CHECK(state_at(store, 1) == "");
  CHECK(state_at(store, x) == "a=1 b=1 ");
  CHECK(state_at(store, y) == "a=2 c=1 ");
  CHECK(state_at(store, 0) == "a=2 c=2 ");
  // Pages at a revision: the next key and what remains are the snapshot's.
  auto page = store.list("/configmaps", "n", "", 1, [](const json::Value&) { return true; }, x);
  CHECK(page.next_key == "n/b");
  CHECK(page.remaining == 1);

  store.compact(y);
  CHECK(store.compacted_rv() == y);
  CHECK(state_at(store, y) == "a=2 c=1 ");
  CHECK(state_at(store, 0) == "a=2 c=2 ");
  // The watch cache is another thing: it still replays from before the compaction.
  CHECK(store.history_start("/configmaps") <= x);
  CHECK(store.events_after("/configmaps", x).size() == 4);
}

TEST_CASE("the compactor compacts at the revision its previous tick wrote") {
  Store store;
  Compactor compactor(store);
  store.create("/configmaps", configmap("a", "1"));
  CHECK(compactor.tick() == 0);  // the first tick compacts nothing
  const std::uint64_t noted = store.current_rv();
  store.create("/configmaps", configmap("b", "1"));
  CHECK(store.compacted_rv() == 0);
  CHECK(compactor.tick() == noted);
  CHECK(store.compacted_rv() == noted);
  CHECK(compactor.tick() == noted + 2);
}

TEST_CASE("a Job's completions, selector and template are immutable, several in one list") {
  ResourceType job;
  job.group = "batch";
  job.version = "v1";
  job.kind = "Job";
  const json::Value old = json::parse(
      R"({"metadata":{"name":"once"},"spec":{"completions":1,"template":{"spec":{"containers":[{"name":"c","image":"a"}]}}}})");
  CHECK_FALSE(immutable_field_error(job, old, old));
  json::Value changed = json::parse(
      R"({"metadata":{"name":"once","labels":{"x":"y"}},"spec":{"completions":2,"template":{"spec":{"containers":[{"name":"c","image":"b"}]}}}})");
  const auto error = immutable_field_error(job, old, changed);
  REQUIRE(error);
  CHECK(error->code == 422);
  CHECK(error->message ==
        "Job.batch \"once\" is invalid: [spec.completions: Invalid value: (*int32){...}: field is immutable, "
        "spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable]");
  REQUIRE(error->causes.size() == 2);
  CHECK(error->causes[1].field == "spec.template");
}
