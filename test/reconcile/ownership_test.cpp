// Reading ownership from live objects, and the informers' transform that keeps what it needs.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "kube/object.hpp"
#include "reconcile/ownership.hpp"

using namespace steward;

namespace {

std::shared_ptr<kube::Object> parse(const std::string& text) {
  auto out = std::make_shared<kube::Object>();
  out->Parse(text.c_str());
  REQUIRE_FALSE(out->HasParseError());
  return out;
}

}  // namespace

TEST_CASE("the cache keeps of managedFields only steward's Apply, as manager and operation") {
  auto object = parse(
      R"({"metadata":{"name":"a","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","x":"1"},)"
      R"("managedFields":[{"manager":"kubectl","operation":"Update","fieldsV1":{"f:data":{}}},)"
      R"({"manager":"steward","operation":"Apply","apiVersion":"v1","time":"t","fieldsType":"FieldsV1",)"
      R"("fieldsV1":{"f:data":{"f:a":{}}}}]}})");
  reconcile::keep_ownership_facts(*object);
  CHECK(kube::to_json(*object) ==
        R"({"metadata":{"name":"a","annotations":{"x":"1"},)"
        R"("managedFields":[{"manager":"steward","operation":"Apply"}]}})");
  CHECK(reconcile::applied_by(*object, "steward"));
  CHECK_FALSE(reconcile::applied_by(*object, "kubectl"));

  auto foreign = parse(
      R"({"metadata":{"name":"b","managedFields":[{"manager":"steward","operation":"Update"}]}})");
  reconcile::keep_ownership_facts(*foreign);
  CHECK(kube::to_json(*foreign) == R"({"metadata":{"name":"b"}})");
  CHECK_FALSE(reconcile::applied_by(*foreign, "steward"));
}

TEST_CASE("the controller of an object is its ownerReference with controller true") {
  CHECK(reconcile::controller_of(*parse(
            R"({"metadata":{"ownerReferences":[{"kind":"Node","name":"n"},)"
            R"({"kind":"ReplicaSet","name":"web-1","controller":true}]}})")) == "ReplicaSet web-1");
  CHECK(reconcile::controller_of(*parse(
            R"({"metadata":{"ownerReferences":[{"kind":"Node","name":"n","controller":false}]}})"))
            .empty());
  CHECK(reconcile::controller_of(*parse(R"({"metadata":{}})")).empty());
  CHECK(reconcile::controller_of(*parse(R"([1])")).empty());
}
