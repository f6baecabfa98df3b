#pragma once
// The health of one live Kubernetes object, with the rules of kstatus (sigs.k8s.io/cli-utils,
// pkg/kstatus/status): is what the server holds actually working, not only in sync?
//
// compute() is pure: it reads the object as the server returned it (apiVersion, kind, metadata,
// spec, status) and nothing else, so it can run on every informer event from the cache, with no
// request and no polling. The order of the rules, first match wins:
//   1. metadata.deletionTimestamp set                                      -> Terminating
//   2. status.observedGeneration present and != metadata.generation        -> InProgress
//   3. a condition Reconciling=True -> InProgress, Stalled=True -> Failed (kstatus's standard
//      conditions; any kind, built-in or custom, that sets them is judged by them alone)
//   4. the kind's own rules (kinds.cpp) for Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod,
//      PersistentVolumeClaim, Service, Job, CustomResourceDefinition, PodDisruptionBudget, and the
//      always-ready ConfigMap, Secret and CronJob
//   5. any other kind: a custom resource whose CRD has a status subresource and that has no status
//      yet -> InProgress (kstatus calls it Current: its controller has not even looked at it);
//      a condition Ready=False -> InProgress; otherwise Current
// Where steward departs from kstatus it says so next to the rule (kinds.cpp, generic.cpp).

#include <rapidjson/document.h>

#include <chrono>
#include <string>
#include <string_view>

namespace steward::health {

enum class Status {
  Current,      // fully reconciled: the object is what its spec asks for
  InProgress,   // on its way there (rollout, scheduling, binding, a controller not caught up)
  Failed,       // will not get there without someone's help (deadline exceeded, crash loop)
  Terminating,  // being deleted (deletionTimestamp set, finalizers pending)
  NotFound,     // not in the cluster; compute() never says it, callers do for an absent object
  Unknown,      // cannot be told from the object (not an object, a pod phase nobody knows)
};

// kstatus's spelling: "Current", "InProgress", "Failed", "Terminating", "NotFound", "Unknown".
std::string_view to_string(Status status);

// The worse of two statuses, for the health of a set of objects (a source is as healthy as its
// worst object). From worst to best:
//   Failed       needs a person; `--wait` fails fast on it, so it must never hide behind another
//   Unknown      nobody can say it will get better; a person should look
//   NotFound     desired but absent: further from done than anything that exists
//   Terminating  exists but is going away; it has to be deleted and made again before it is done
//   InProgress   on its way and expected to arrive by itself
//   Current      done
Status worst(Status a, Status b);

struct Health {
  Status status = Status::Unknown;
  std::string reason;   // a short CamelCase cause ("ProgressDeadlineExceeded", "LessReplicas");
                        // empty when Current
  std::string message;  // for people: "Available: 0/2"
};

struct HealthOptions {
  // The object's kind is served with a status subresource (discovery lists "<plural>/status";
  // for a custom resource: its CRD declares subresources.status). Only then does a custom
  // resource without a status count as not yet reconciled.
  bool has_status_subresource = false;
  // The time to judge time-based rules by: a Pod that is Unschedulable is InProgress for its first
  // 15 s (kstatus's ScheduleWindow), Failed after. The epoch (default) means "no clock": the
  // window never closes, so a caller that does not pass the time never sees such a Pod Failed.
  std::chrono::system_clock::time_point now{};
};

Health compute(const rapidjson::Value& object, const HealthOptions& options = {});

}  // namespace steward::health
