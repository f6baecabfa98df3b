// DesiredState snapshots, their diff, and the store that keeps the last good state in force.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "desired/desired_state.hpp"
#include "desired/desired_state_store.hpp"
#include "kube/temp_dir.hpp"

using namespace steward::desired;
using steward::test::TempDir;

namespace {

LoaderOptions options() {
  LoaderOptions o;
  o.is_namespaced = [](std::string_view, std::string_view kind) {
    return std::optional<bool>(kind != "Namespace");
  };
  return o;
}

SourceLoad load_yaml(const std::string& source, const std::string& yaml) {
  SourceLoad load;
  load.source = source;
  load_text(yaml, source + ".yaml", {.name = source, .path = {}}, options(), load);
  return load;
}

std::string cm(const std::string& name, const std::string& data = "v") {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  k: " + data +
         "\n---\n";
}

ObjectKey cm_key(const std::string& name) { return {"", "ConfigMap", "default", name}; }

std::vector<std::string> strings(const std::vector<ObjectKey>& keys) {
  std::vector<std::string> out;
  for (const auto& k : keys) out.push_back(k.to_string());
  return out;
}

}  // namespace

TEST_CASE("a snapshot indexes objects by key and lists the types it needs") {
  const SourceLoad load = load_yaml("s", cm("a") + cm("b") +
                                             "apiVersion: apps/v1\nkind: Deployment\n"
                                             "metadata: {name: web}\n");
  REQUIRE(load.ok());
  const DesiredState state({{"s", load.objects}});
  CHECK(state.size() == 3);
  REQUIRE(state.find(cm_key("a")) != nullptr);
  CHECK(state.find(cm_key("a"))->location.to_string() == "s.yaml:1:1");
  CHECK(state.find(cm_key("zzz")) == nullptr);
  CHECK(state.find({"apps", "Deployment", "default", "web"}) != nullptr);
  CHECK(state.types() == std::set<DesiredState::TypeRef>{{"apps/v1", "Deployment"},
                                                         {"v1", "ConfigMap"}});
  REQUIRE(state.source("s") != nullptr);
  CHECK(state.source("s")->objects.size() == 3);
  CHECK(state.source("t") == nullptr);
}

TEST_CASE("diff gives the keys added, changed and removed, and member order is not a change") {
  const DesiredState old_state(
      {{"s", load_yaml("s", cm("same") + cm("reordered") + cm("edited") + cm("gone")).objects}});
  const std::string reordered =
      "kind: ConfigMap\ndata: {k: v}\nmetadata: {name: reordered}\napiVersion: v1\n---\n";
  const DesiredState new_state(
      {{"s", load_yaml("s", cm("same") + reordered + cm("edited", "w") + cm("new")).objects}});
  const DesiredDiff d = diff(old_state, new_state);
  CHECK(strings(d.added) == std::vector<std::string>{"ConfigMap default/new"});
  CHECK(strings(d.changed) == std::vector<std::string>{"ConfigMap default/edited"});
  CHECK(strings(d.removed) == std::vector<std::string>{"ConfigMap default/gone"});
  CHECK(diff(new_state, new_state).empty());
}

TEST_CASE("moving an object to another source changes it (its source annotation does)") {
  const DesiredState a({{"a", load_yaml("a", cm("x")).objects}});
  const DesiredState b({{"b", load_yaml("b", cm("x")).objects}});
  CHECK(strings(diff(a, b).changed) == std::vector<std::string>{"ConfigMap default/x"});
}

TEST_CASE("an object's apply body and its digest are made once at load") {
  // The known answer for "abc" (FIPS 180-2), whole and as the annotation's first 128 bits.
  CHECK(to_hex(sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(sha256("abc"), 16) == "ba7816bf8f01cfea414140de5dae2223");
  const SourceLoad load = load_yaml("s", "kind: ConfigMap\napiVersion: v1\nmetadata: {name: a}\n");
  REQUIRE(load.objects.size() == 1);
  const ApplyBody& body = load.objects[0]->body;
  REQUIRE(body.object);
  // The digest is of the body without the hash annotation; the annotation is its first 128 bits.
  auto without = steward::kube::copy_object(*body.object, 256);
  (*without)["metadata"]["annotations"].RemoveMember(std::string(kDesiredHashAnnotation).c_str());
  CHECK(body.digest == sha256(canonical_json(*without)));
  CHECK(body.hash == to_hex(body.digest, 16));
  CHECK(steward::kube::string_at(*body.object, {"metadata", "annotations", kDesiredHashAnnotation}) ==
        body.hash);
  CHECK(steward::kube::string_at(*body.object, {"metadata", "annotations", kSourceAnnotation}) == "s");
  CHECK(steward::kube::string_at(*body.object, {"metadata", "labels", kManagedByLabel}) == "steward");
  CHECK(steward::kube::string_at(*body.object, {"metadata", "namespace"}) == "default");
}

TEST_CASE("a snapshot refuses a key defined twice") {
  CHECK_THROWS_AS(DesiredState({{"a", load_yaml("a", cm("x")).objects},
                                {"b", load_yaml("b", cm("x")).objects}}),
                  std::invalid_argument);
}

TEST_CASE("the store swaps in a good load and reports the keys to enqueue") {
  DesiredStateStore store;
  CHECK(store.current()->size() == 0);
  StoreUpdate u = store.apply(load_yaml("s", cm("a") + cm("b")));
  CHECK(u.accepted);
  CHECK(strings(u.diff.added) == std::vector<std::string>{"ConfigMap default/a",
                                                          "ConfigMap default/b"});
  CHECK(store.current() == u.current);
  CHECK(u.previous->size() == 0);  // the old snapshot is untouched

  u = store.apply(load_yaml("s", cm("a", "changed")));
  CHECK(strings(u.diff.changed) == std::vector<std::string>{"ConfigMap default/a"});
  CHECK(strings(u.diff.removed) == std::vector<std::string>{"ConfigMap default/b"});
  const auto status = store.status("s");
  REQUIRE(status);
  CHECK(status->loads_succeeded == 2);
  CHECK(status->objects == 1);
}

TEST_CASE("a failing reload keeps the source's last good objects and records the error") {
  TempDir dir;
  const auto file = dir.write("app.yaml", cm("a") + cm("b"));
  DesiredStateStore store;
  const SourceSpec spec{.name = "app", .path = dir.path()};
  REQUIRE(store.reload(spec, options()).accepted);
  const auto good = store.current();

  dir.write("app.yaml", cm("a") + "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n");
  const StoreUpdate u = store.reload(spec, options());
  CHECK_FALSE(u.accepted);
  CHECK(u.diff.empty());
  CHECK(store.current() == good);
  CHECK(store.current()->size() == 2);
  REQUIRE(u.errors.size() == 1);
  CHECK(u.errors[0].to_string() == file.string() + ":10:11: metadata.name is required");

  const auto status = store.status("app");
  REQUIRE(status);
  CHECK(status->loaded);
  CHECK_FALSE(status->last_load_ok);
  CHECK(status->loads_succeeded == 1);
  CHECK(status->loads_failed == 1);
  CHECK(status->objects == 2);
  CHECK(status->errors.size() == 1);

  dir.write("app.yaml", cm("a"));
  CHECK(store.reload(spec, options()).accepted);
  CHECK(store.status("app")->last_load_ok);
  CHECK(store.status("app")->errors.empty());
}

TEST_CASE("a source that has never loaded has nothing in force") {
  DesiredStateStore store;
  const StoreUpdate u = store.apply(load_yaml("s", "kind: ConfigMap\n"));
  CHECK_FALSE(u.accepted);
  CHECK(store.current()->size() == 0);
  CHECK_FALSE(store.status("s")->loaded);
}

TEST_CASE("a source may not define an object another source defines") {
  DesiredStateStore store;
  REQUIRE(store.apply(load_yaml("a", cm("x"))).accepted);
  const StoreUpdate u = store.apply(load_yaml("b", cm("w") + cm("x")));
  CHECK_FALSE(u.accepted);
  REQUIRE(u.errors.size() == 1);
  CHECK(u.errors[0].to_string() ==
        "b.yaml:8:1: object ConfigMap default/x is also defined by source \"a\" at a.yaml:1:1");
  CHECK(store.current()->source("b") == nullptr);
  // The source itself may redefine its own objects.
  CHECK(store.apply(load_yaml("a", cm("x", "new"))).accepted);
}

TEST_CASE("removing a source removes its objects from the desired state") {
  DesiredStateStore store;
  REQUIRE(store.apply(load_yaml("a", cm("x"))).accepted);
  REQUIRE(store.apply(load_yaml("b", cm("w"))).accepted);
  const StoreUpdate u = store.remove_source("a");
  CHECK(strings(u.diff.removed) == std::vector<std::string>{"ConfigMap default/x"});
  CHECK(store.current()->size() == 1);
  CHECK_FALSE(store.status("a"));
  CHECK(store.statuses().size() == 1);
}
