// The health of objects as a real kube-apiserver v1.20 with kube-controller-manager returned them
// (fixtures/, captured by capture_fixtures.sh; what it wrote through /status is said there).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "health/health.hpp"
#include "support/json.hpp"

using steward::health::compute;
using steward::health::HealthOptions;
using steward::health::Status;
using steward::health::to_string;

namespace {

rapidjson::Document fixture(const std::string& name) {
  std::ifstream in(std::string(STEWARD_HEALTH_FIXTURES) + "/" + name + ".json");
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return steward::test::parse_json(text.str());
}

struct Row {
  const char* fixture;
  bool has_status_subresource;  // as discovery would say of the object's kind
  Status status;
  const char* reason;
};

// Built-in kinds all have a status subresource except ConfigMap; whether it is set matters only
// for custom resources, and the Widget rows test both.
const Row kRows[] = {
    {"deployment-progressing", true, Status::InProgress, "LessAvailable"},
    {"deployment-deadline-exceeded", true, Status::Failed, "ProgressDeadlineExceeded"},
    {"deployment-scaled-to-zero", true, Status::Current, ""},
    {"statefulset-progressing", true, Status::InProgress, "LessReady"},
    {"daemonset-progressing", true, Status::InProgress, "LessAvailable"},
    {"replicaset-progressing", true, Status::InProgress, "LessAvailable"},
    {"pod-pending", true, Status::InProgress, "PodPending"},
    {"pod-running-ready", true, Status::Current, ""},
    {"pod-crash-looping", true, Status::Failed, "ContainerCrashLooping"},
    {"pod-failed", true, Status::Failed, "PodFailed"},
    {"pvc-pending", true, Status::InProgress, "NotBound"},
    {"pvc-bound", true, Status::Current, ""},
    {"service-cluster-ip", true, Status::Current, ""},
    {"service-load-balancer", true, Status::Current, ""},
    {"job-running", true, Status::Current, ""},
    {"job-complete", true, Status::Current, ""},
    {"job-deadline-exceeded", true, Status::Failed, "DeadlineExceeded"},
    {"pdb", true, Status::Current, ""},
    {"crd-established", true, Status::Current, ""},
    {"configmap-terminating", false, Status::Terminating, "Deleting"},
    {"widget-no-status", true, Status::InProgress, "NoStatus"},
    {"widget-no-status", false, Status::Current, ""},
    {"widget-ready", true, Status::Current, ""},
    {"widget-not-ready", true, Status::InProgress, "Provisioning"},
    {"widget-stalled", true, Status::Failed, "InvalidSize"},
};

}  // namespace

TEST_CASE("each object captured from the real server has the status and reason of its rules") {
  for (const auto& row : kRows) {
    auto object = fixture(row.fixture);
    auto health = compute(object, HealthOptions{row.has_status_subresource, {}});
    INFO(row.fixture << " (status subresource: " << row.has_status_subresource << "): "
                     << to_string(health.status) << " " << health.reason << ": " << health.message);
    CHECK(health.status == row.status);
    CHECK(health.reason == row.reason);
    CHECK_FALSE(health.message.empty());
  }
}
