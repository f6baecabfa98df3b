// The per-kind rules for the built-in kinds kstatus knows (its "legacy types"): kinds whose
// controllers report progress in their own fields rather than in Reconciling/Stalled conditions.
// Reasons and the order of the checks are kstatus's, so a reason means the same in steward as in
// kpt, Config Sync or Flux. Where steward departs from kstatus, the rule says so and why.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "health/fields.hpp"
#include "health/rules.hpp"
#include "kube/exec_credential.hpp"  // parse_rfc3339

namespace steward::health {
namespace {

using Rule = std::optional<Health> (*)(const rapidjson::Value&, const HealthOptions&);

// "have/want", the way kstatus's messages count replicas.
std::string ratio(std::string_view what, std::int64_t have, std::int64_t want) {
  return std::string(what) + ": " + std::to_string(have) + "/" + std::to_string(want);
}

// More Pods than wanted: old ones not yet gone.
Health extra_pods(std::int64_t replicas, std::int64_t spec) {
  return in_progress("ExtraPods", "Pending termination: " + std::to_string(replicas - spec));
}

std::optional<Health> always_current(const rapidjson::Value&, const HealthOptions&) {
  return current("Resource is always ready");
}

std::optional<Health> deployment(const rapidjson::Value& object, const HealthOptions&) {
  // Without progressDeadlineSeconds the controller never sets Progressing's completion reason,
  // so the condition cannot be waited for (kstatus: the math.MaxInt32 default).
  bool progressing = !has_int_field(object, {"spec", "progressDeadlineSeconds"});
  bool available = false;
  std::optional<Health> deadline_exceeded;
  any_condition(object, [&](const Condition& condition) {
    if (condition.type == "Progressing") {
      if (condition.reason == "ProgressDeadlineExceeded") {
        deadline_exceeded = failed("ProgressDeadlineExceeded",
                                   condition.message.empty() ? "Progress deadline exceeded"
                                                             : std::string(condition.message));
        return true;
      }
      if (condition.status == "True" && condition.reason == "NewReplicaSetAvailable") {
        progressing = true;
      }
    } else if (condition.type == "Available" && condition.status == "True") {
      available = true;
    }
    return false;
  });
  if (deadline_exceeded) return deadline_exceeded;

  auto spec = int_field(object, {"spec", "replicas"}, 1);  // the controller's default
  auto replicas = int_field(object, {"status", "replicas"}, 0);
  auto updated = int_field(object, {"status", "updatedReplicas"}, 0);
  auto ready = int_field(object, {"status", "readyReplicas"}, 0);
  auto available_replicas = int_field(object, {"status", "availableReplicas"}, 0);
  if (spec > replicas) return in_progress("LessReplicas", ratio("Replicas", replicas, spec));
  if (spec > updated) return in_progress("LessUpdated", ratio("Updated", updated, spec));
  if (replicas > spec) return extra_pods(replicas, spec);
  if (updated > available_replicas) {
    return in_progress("LessAvailable", ratio("Available", available_replicas, updated));
  }
  if (spec > ready) return in_progress("LessReady", ratio("Ready", ready, spec));
  if (!progressing) return in_progress("ReplicaSetNotAvailable", "ReplicaSet not Available");
  if (!available) return in_progress("DeploymentNotAvailable", "Deployment not Available");
  return current("Deployment is available. Replicas: " + std::to_string(replicas));
}

// StatefulSet's controller sets no conditions: only the counts and revisions tell.
std::optional<Health> stateful_set(const rapidjson::Value& object, const HealthOptions&) {
  if (string_field(object, {"spec", "updateStrategy", "type"}) == "OnDelete") {
    return current("StatefulSet is using the OnDelete update strategy");
  }
  auto spec = int_field(object, {"spec", "replicas"}, 1);
  auto ready = int_field(object, {"status", "readyReplicas"}, 0);
  auto current_replicas = int_field(object, {"status", "currentReplicas"}, 0);
  auto updated = int_field(object, {"status", "updatedReplicas"}, 0);
  auto replicas = int_field(object, {"status", "replicas"}, 0);
  auto partition = int_field(object, {"spec", "updateStrategy", "rollingUpdate", "partition"}, -1);
  if (spec > replicas) return in_progress("LessReplicas", ratio("Replicas", replicas, spec));
  if (spec > ready) return in_progress("LessReady", ratio("Ready", ready, spec));
  if (replicas > spec) return extra_pods(replicas, spec);
  if (partition != -1) {
    // A partitioned rollout is done when the ordinals at or above the partition are updated.
    if (updated < spec - partition) {
      return in_progress("PartitionRollout", ratio("Updated", updated, spec - partition));
    }
    return current("Partition rollout complete. Updated: " + std::to_string(updated));
  }
  if (spec > current_replicas) {
    return in_progress("LessCurrent", ratio("Current", current_replicas, spec));
  }
  if (string_field(object, {"status", "currentRevision"}) !=
      string_field(object, {"status", "updateRevision"})) {
    return in_progress("RevisionMismatch", "Waiting for updated revision to match current");
  }
  return current("All replicas scheduled as expected. Replicas: " + std::to_string(replicas));
}

std::optional<Health> replica_set(const rapidjson::Value& object, const HealthOptions&) {
  if (find_condition(object, "ReplicaFailure", "True")) {
    return in_progress("ReplicaFailure", "Replica Failure condition. Check Pods");
  }
  auto spec = int_field(object, {"spec", "replicas"}, 1);
  auto replicas = int_field(object, {"status", "replicas"}, 0);
  auto ready = int_field(object, {"status", "readyReplicas"}, 0);
  auto available = int_field(object, {"status", "availableReplicas"}, 0);
  auto labelled = int_field(object, {"status", "fullyLabeledReplicas"}, 0);
  if (spec > labelled) return in_progress("LessLabelled", ratio("Labelled", labelled, spec));
  if (spec > available) return in_progress("LessAvailable", ratio("Available", available, spec));
  if (spec > ready) return in_progress("LessReady", ratio("Ready", ready, spec));
  if (replicas > spec) return extra_pods(replicas, spec);
  return current("ReplicaSet is available. Replicas: " + std::to_string(replicas));
}

std::optional<Health> daemon_set(const rapidjson::Value& object, const HealthOptions&) {
  // The generic generation rule lets absent fields pass; the DaemonSet controller always writes
  // observedGeneration once it has acted, so here an absent one means it has not yet.
  auto kind = std::string(string_field(object, {"kind"}));
  if (!has_int_field(object, {"metadata", "generation"})) {
    return in_progress("NoGeneration", kind + " metadata.generation not found");
  }
  if (!has_int_field(object, {"status", "observedGeneration"})) {
    return in_progress("NoObservedGeneration", kind + " status.observedGeneration not found");
  }
  auto desired = int_field(object, {"status", "desiredNumberScheduled"}, -1);
  auto scheduled = int_field(object, {"status", "currentNumberScheduled"}, 0);
  auto updated = int_field(object, {"status", "updatedNumberScheduled"}, 0);
  auto available = int_field(object, {"status", "numberAvailable"}, 0);
  auto ready = int_field(object, {"status", "numberReady"}, 0);
  if (desired == -1) {
    return in_progress("NoDesiredNumber", "Missing .status.desiredNumberScheduled");
  }
  if (desired > scheduled) return in_progress("LessCurrent", ratio("Current", scheduled, desired));
  if (desired > updated) return in_progress("LessUpdated", ratio("Updated", updated, desired));
  if (desired > available) {
    return in_progress("LessAvailable", ratio("Available", available, desired));
  }
  if (desired > ready) return in_progress("LessReady", ratio("Ready", ready, desired));
  return current("All replicas scheduled as expected. Replicas: " + std::to_string(desired));
}

std::optional<Health> persistent_volume_claim(const rapidjson::Value& object,
                                              const HealthOptions&) {
  auto phase = string_field(object, {"status", "phase"}, "unknown");
  if (phase != "Bound") {
    return in_progress("NotBound", "PVC is not Bound. phase: " + std::string(phase));
  }
  return current("PVC is Bound");
}

// The names of the containers waiting in CrashLoopBackOff, comma-separated.
std::string crash_looping_containers(const rapidjson::Value& object) {
  std::string names;
  const auto* statuses = value_at(object, {"status", "containerStatuses"});
  if (statuses == nullptr || !statuses->IsArray()) return names;
  for (const auto& status : statuses->GetArray()) {
    if (string_field(status, {"state", "waiting", "reason"}) != "CrashLoopBackOff") continue;
    if (!names.empty()) names += ",";
    names += string_field(status, {"name"});
  }
  return names;
}

// How long a Pod may be Unschedulable before it counts as Failed (kstatus's ScheduleWindow).
constexpr std::chrono::seconds kScheduleWindow{15};

std::optional<Health> pod(const rapidjson::Value& object, const HealthOptions& options) {
  auto phase = string_field(object, {"status", "phase"});
  if (phase == "Succeeded") return current("Pod has completed successfully");
  if (phase == "Failed") {
    // kstatus calls a failed Pod Current ("completed, but not successfully"). steward applies
    // Pods someone wants to run: one that failed is not what they asked for, and `--wait` must
    // fail fast on it instead of reporting success.
    auto reason = string_field(object, {"status", "reason"});
    return failed("PodFailed", "Pod has failed" +
                                   (reason.empty() ? std::string() : ": " + std::string(reason)));
  }
  if (phase == "Running") {
    if (find_condition(object, "Ready", "True")) return current("Pod is Ready");
    auto crash_looping = crash_looping_containers(object);
    if (!crash_looping.empty()) {
      return failed("ContainerCrashLooping", "Containers in CrashLoop state: " + crash_looping);
    }
    return in_progress("PodRunningNotReady", "Pod is running but is not Ready");
  }
  if (phase == "Pending") {
    Condition scheduled;
    if (find_condition(object, "PodScheduled", "False", &scheduled) &&
        scheduled.reason == "Unschedulable") {
      auto created = kube::parse_rfc3339(string_field(object, {"metadata", "creationTimestamp"}));
      bool window_over = options.now != std::chrono::system_clock::time_point{} && created &&
                         options.now - *created >= kScheduleWindow;
      if (!window_over) return in_progress("PodNotScheduled", "Pod has not been scheduled");
      return failed("PodUnschedulable", scheduled.message.empty()
                                            ? "Pod could not be scheduled"
                                            : std::string(scheduled.message));
    }
    return in_progress("PodPending", "Pod is in the Pending phase");
  }
  if (phase.empty()) return in_progress("PodNotObserved", "Pod phase not available");
  // kstatus returns an error here, which its callers turn into Unknown.
  return Health{Status::Unknown, "UnknownPhase", "Unknown Pod phase " + std::string(phase)};
}

std::optional<Health> job(const rapidjson::Value& object, const HealthOptions&) {
  auto parallelism = int_field(object, {"spec", "parallelism"}, 1);
  auto completions = int_field(object, {"spec", "completions"}, parallelism);
  auto succeeded = int_field(object, {"status", "succeeded"}, 0);
  auto active = int_field(object, {"status", "active"}, 0);
  auto failures = int_field(object, {"status", "failed"}, 0);
  std::optional<Health> health;
  any_condition(object, [&](const Condition& condition) {
    if (condition.status != "True") return false;
    if (condition.type == "Complete") {
      health = current("Job Completed. " + ratio("succeeded", succeeded, completions));
    } else if (condition.type == "Failed") {
      // kstatus says "JobFailed" for every failure; the controller's own reason
      // (DeadlineExceeded, BackoffLimitExceeded) tells a person which limit was hit.
      health = failed(condition.reason.empty() ? "JobFailed" : std::string(condition.reason),
                      "Job Failed. " + ratio("failed", failures, completions) +
                          (condition.message.empty() ? "" : ": " + std::string(condition.message)));
    } else if (condition.type == "Suspended") {
      health = current("Job is suspended");
    }
    return health.has_value();
  });
  if (health) return health;
  if (string_field(object, {"status", "startTime"}).empty()) {
    return in_progress("JobNotStarted", "Job not started");
  }
  // Started: Current, as kstatus has it. A Job may run for as long as its work takes (a batch that
  // drains a queue); `--wait` holding a pipeline until it ends would turn a health check into a
  // job runner. A Job that then fails turns Failed, which `--wait` still catches while it waits.
  return current("Job in progress. succeeded: " + std::to_string(succeeded) +
                 ", active: " + std::to_string(active) + ", failed: " + std::to_string(failures));
}

std::optional<Health> service(const rapidjson::Value& object, const HealthOptions&) {
  if (string_field(object, {"spec", "type"}, "ClusterIP") == "LoadBalancer") {
    if (string_field(object, {"spec", "clusterIP"}).empty()) {
      return in_progress("NoIPAssigned", "ClusterIP not set. Service type: LoadBalancer");
    }
    // kstatus stops at the cluster IP, and so does steward: on a cluster with no load-balancer
    // implementation (kind, bare metal without MetalLB) an ingress address never comes, and
    // `--wait` would time out on a Service that works inside the cluster.
  }
  return current("Service is ready");
}

std::optional<Health> custom_resource_definition(const rapidjson::Value& object,
                                                 const HealthOptions&) {
  std::optional<Health> health;
  any_condition(object, [&](const Condition& condition) {
    if (condition.type == "NamesAccepted" && condition.status == "False") {
      health = failed(std::string(condition.reason), std::string(condition.message));
    } else if (condition.type == "Established") {
      if (condition.status == "False" && condition.reason != "Installing") {
        health = failed(std::string(condition.reason), std::string(condition.message));
      } else if (condition.status == "True") {
        health = current("CRD is established");
      }
    }
    return health.has_value();
  });
  if (health) return health;
  return in_progress("Installing", "Install in progress");
}

// The disruption controller sets no conditions; once it has observed the latest generation (the
// generic rule) it has computed the allowed disruptions, and that is all kstatus asks.
std::optional<Health> pod_disruption_budget(const rapidjson::Value&, const HealthOptions&) {
  return current("AllowedDisruptions has been computed.");
}

struct KindRule {
  std::string_view group;  // "" for the core group
  std::string_view kind;
  Rule rule;
};

// kstatus's legacyTypes. The "extensions" entries serve objects of old clusters.
constexpr KindRule kKindRules[] = {
    {"", "Service", service},
    {"", "Pod", pod},
    {"", "Secret", always_current},
    {"", "ConfigMap", always_current},
    {"", "PersistentVolumeClaim", persistent_volume_claim},
    {"apps", "StatefulSet", stateful_set},
    {"apps", "DaemonSet", daemon_set},
    {"extensions", "DaemonSet", daemon_set},
    {"apps", "Deployment", deployment},
    {"extensions", "Deployment", deployment},
    {"apps", "ReplicaSet", replica_set},
    {"extensions", "ReplicaSet", replica_set},
    {"policy", "PodDisruptionBudget", pod_disruption_budget},
    {"batch", "CronJob", always_current},
    {"batch", "Job", job},
    {"apiextensions.k8s.io", "CustomResourceDefinition", custom_resource_definition},
};

}  // namespace

std::optional<Health> kind_rules(const rapidjson::Value& object, const HealthOptions& options) {
  auto api_version = string_field(object, {"apiVersion"});
  auto slash = api_version.find('/');
  auto group = slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
  auto kind = string_field(object, {"kind"});
  for (const auto& entry : kKindRules) {
    if (entry.group == group && entry.kind == kind) return entry.rule(object, options);
  }
  return std::nullopt;
}

}  // namespace steward::health
