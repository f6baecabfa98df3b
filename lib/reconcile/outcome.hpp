#pragma once
// What one reconcile came to, in two parts: the Outcome (the result, and what decides when the key
// is looked at again), which is all the runner needs to requeue it, and the Telemetry (which call
// was made, about what, the labels of its logs and metrics), which only logs, metrics and Events
// read.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "reconcile/event_correlator.hpp"

namespace steward::reconcile {

enum class Result {
  kInSync,          // nothing to do
  kCreated,         // applied; the object did not exist
  kCorrected,       // applied; the object had drifted
  kPruned,          // deleted (or already gone)
  kWaiting,         // cannot act yet (kind not served, cache not synced, scope unknown): retry
  kTransientError,  // network, 429, 5xx, conflict: retry with backoff
  kPermanentError,  // 400, 403, 422, a kind nothing serves: report, retry at the slowest backoff
};
std::string_view to_string(Result result);

// Waiting, or either kind of error: the key is counted as failing.
bool is_failure(Result result);

struct Outcome {
  Result result = Result::kInSync;
  std::string detail;  // for logs: the drifted field, the error, what is awaited
  // Waiting on a desired object loaded before discovery knew its kind: its namespace must be
  // resolved again now that the kind is known.
  bool needs_scope = false;
  // Waiting for the kind's cache (its kind not served yet, or its first list not done): the key is
  // reconciled again when that cache syncs, not after a backoff that grew while it waited. Set on
  // the permanent error of a kind nothing serves too, for a CRD someone else installs later.
  bool waits_for_cache = false;
  // A transient error that said when to try again (the client's circuit breaker is open): the key
  // is looked at again then, rather than on its own backoff, which the refusals would only grow.
  std::optional<std::chrono::milliseconds> retry_in;
};

struct Telemetry {
  // The labels of the reconcile's log lines and metrics (reconcile_log.hpp): the resource and the
  // reconcile's ID.
  std::string resource;
  std::string reconcile_id;
  // Set when an apply or delete was sent: which ("apply", "prune"), the object it was about (its
  // Event regards it), whether it was a server-side dry run, and, if it failed, the Status reason
  // (Conflict, Forbidden, ...; Network when there was no response).
  std::string_view call;
  ObjectReference object;
  bool dry_run = false;
  std::string error_reason;
};

struct Reconciled {
  Outcome outcome;
  Telemetry telemetry;
};

}  // namespace steward::reconcile
