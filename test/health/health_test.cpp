// The rules every kind shares, the custom-resource fix, and worst(), on objects written here.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>

#include "health/health.hpp"
#include "support/json.hpp"

using steward::health::compute;
using steward::health::HealthOptions;
using steward::health::Status;
using steward::health::to_string;
using steward::health::worst;
using steward::test::parse_json;

namespace {

// A Deployment the rules call Current, but for the generation it was given.
std::string available_deployment(int generation, int observed) {
  return R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","generation":)" +
         std::to_string(generation) + R"(},"spec":{"replicas":1},"status":{"observedGeneration":)" +
         std::to_string(observed) +
         R"(,"replicas":1,"updatedReplicas":1,"readyReplicas":1,"availableReplicas":1,)"
         R"("conditions":[{"type":"Available","status":"True"}]}})";
}

}  // namespace

TEST_CASE("an object whose controller has not observed its latest generation is InProgress") {
  auto observed = compute(parse_json(available_deployment(2, 2)));
  CHECK(observed.status == Status::Current);

  auto behind = compute(parse_json(available_deployment(3, 2)));
  CHECK(behind.status == Status::InProgress);
  CHECK(behind.reason == "LatestGenerationNotObserved");
  CHECK(behind.message == "Deployment generation is 3, but latest observed generation is 2");

  // A custom resource that says Ready, but for an older spec, is not done either.
  auto custom = compute(parse_json(R"({"apiVersion":"x.example.com/v1","kind":"Widget",
      "metadata":{"generation":5},"status":{"observedGeneration":4,
      "conditions":[{"type":"Ready","status":"True"}]}})"));
  CHECK(custom.status == Status::InProgress);
  CHECK(custom.reason == "LatestGenerationNotObserved");
}

TEST_CASE("without status.observedGeneration the generation rule says nothing") {
  auto health = compute(parse_json(R"({"apiVersion":"x.example.com/v1","kind":"Widget",
      "metadata":{"generation":7},"status":{"conditions":[{"type":"Ready","status":"True"}]}})"));
  CHECK(health.status == Status::Current);
}

TEST_CASE("an object with a deletionTimestamp is Terminating whatever else it says") {
  auto health = compute(parse_json(R"({"apiVersion":"apps/v1","kind":"Deployment",
      "metadata":{"generation":2,"deletionTimestamp":"2026-12-07T17:00:59Z","finalizers":["x"]},
      "status":{"observedGeneration":1,"conditions":[{"type":"Progressing","status":"False",
      "reason":"ProgressDeadlineExceeded"}]}})"));
  CHECK(health.status == Status::Terminating);
  CHECK(health.reason == "Deleting");
}

TEST_CASE("a custom resource with a status subresource and no status yet is InProgress") {
  const HealthOptions with_status{true, {}};
  for (const char* status : {"", R"(,"status":{})", R"(,"status":null)"}) {
    auto object = parse_json(std::string(R"({"apiVersion":"x.example.com/v1","kind":"Widget",
        "metadata":{"name":"w","generation":1},"spec":{"size":1})") + status + "}");
    INFO("status part: " << status);
    auto health = compute(object, with_status);
    CHECK(health.status == Status::InProgress);
    CHECK(health.reason == "NoStatus");
    // Without a status subresource nothing will ever write a status: kstatus's Current stands.
    CHECK(compute(object).status == Status::Current);
  }
  // Built-in kinds are judged by their own rules or get a status from the API server itself.
  auto builtin = compute(parse_json(R"({"apiVersion":"autoscaling/v1",
      "kind":"HorizontalPodAutoscaler","metadata":{"generation":1}})"), with_status);
  CHECK(builtin.status == Status::Current);
}

TEST_CASE("Reconciling and Stalled decide for any kind, Ready=False only for kinds without rules") {
  auto reconciling = compute(parse_json(R"({"apiVersion":"x.example.com/v1","kind":"Widget",
      "status":{"conditions":[{"type":"Reconciling","status":"True","reason":"Scaling"}]}})"));
  CHECK(reconciling.status == Status::InProgress);
  CHECK(reconciling.reason == "Scaling");

  auto stalled = compute(parse_json(R"({"apiVersion":"x.example.com/v1","kind":"Widget",
      "status":{"conditions":[{"type":"Stalled","status":"True","message":"bad size"}]}})"));
  CHECK(stalled.status == Status::Failed);
  CHECK(stalled.reason == "Stalled");
  CHECK(stalled.message == "bad size");

  auto stalled_pod = compute(parse_json(R"({"apiVersion":"v1","kind":"Pod",
      "status":{"phase":"Running",
      "conditions":[{"type":"Ready","status":"True"},{"type":"Stalled","status":"True"}]}})"));
  CHECK(stalled_pod.status == Status::Failed);

  auto not_ready = compute(parse_json(R"({"apiVersion":"x.example.com/v1","kind":"Widget",
      "status":{"conditions":[{"type":"Ready","status":"False"}]}})"));
  CHECK(not_ready.status == Status::InProgress);
  CHECK(not_ready.reason == "NotReady");
}

TEST_CASE("an Unschedulable Pod is InProgress for 15 s after creation, then Failed") {
  auto pod = parse_json(R"({"apiVersion":"v1","kind":"Pod",
      "metadata":{"creationTimestamp":"2026-12-07T17:00:00Z"},"status":{"phase":"Pending",
      "conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable",
      "message":"0/3 nodes are available"}]}})");
  auto created = std::chrono::sys_days{std::chrono::year{2026} / 12 / 7} + std::chrono::hours{17};
  CHECK(compute(pod, {false, created + std::chrono::seconds{14}}).reason == "PodNotScheduled");
  auto late = compute(pod, {false, created + std::chrono::seconds{15}});
  CHECK(late.status == Status::Failed);
  CHECK(late.reason == "PodUnschedulable");
  CHECK(late.message == "0/3 nodes are available");
  CHECK(compute(pod).status == Status::InProgress);  // no clock: the window never closes
}

TEST_CASE("what is not a Kubernetes object is Unknown") {
  CHECK(compute(parse_json("[1,2]")).status == Status::Unknown);
  CHECK(compute(parse_json(R"({"metadata":{"name":"x"}})")).status == Status::Unknown);
  auto lost = parse_json(R"({"apiVersion":"v1","kind":"Pod","status":{"phase":"Lost"}})");
  CHECK(compute(lost).status == Status::Unknown);
}

TEST_CASE("worst() orders Failed, Unknown, NotFound, Terminating, InProgress, Current") {
  constexpr std::array order{Status::Failed,      Status::Unknown,    Status::NotFound,
                             Status::Terminating, Status::InProgress, Status::Current};
  for (std::size_t i = 0; i < order.size(); ++i) {
    for (std::size_t j = 0; j < order.size(); ++j) {
      INFO(to_string(order[i]) << " vs " << to_string(order[j]));
      CHECK(worst(order[i], order[j]) == order[std::min(i, j)]);
    }
  }
}

TEST_CASE("statuses are spelled as kstatus spells them") {
  CHECK(to_string(Status::Current) == "Current");
  CHECK(to_string(Status::InProgress) == "InProgress");
  CHECK(to_string(Status::Failed) == "Failed");
  CHECK(to_string(Status::Terminating) == "Terminating");
  CHECK(to_string(Status::NotFound) == "NotFound");
  CHECK(to_string(Status::Unknown) == "Unknown");
}

TEST_CASE("a workload with more Pods than it wants waits for the old ones to go") {
  for (const char* kind : {"Deployment", "StatefulSet", "ReplicaSet"}) {
    auto health = compute(parse_json(std::string(R"({"apiVersion":"apps/v1","kind":")") + kind +
        R"(","spec":{"replicas":1},"status":{"replicas":3,"updatedReplicas":1,"readyReplicas":1,
        "availableReplicas":1,"fullyLabeledReplicas":1,"currentReplicas":1}})"));
    INFO(kind);
    CHECK(health.status == Status::InProgress);
    CHECK(health.reason == "ExtraPods");
    CHECK(health.message == "Pending termination: 2");
  }
}
