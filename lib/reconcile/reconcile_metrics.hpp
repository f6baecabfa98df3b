#pragma once
// The reconcile loop's metrics (the full list is docs/metrics.md):
//
//   steward_reconcile_total{resource,result}          counter    reconciles by outcome (in_sync,
//                                                                created, corrected, pruned,
//                                                                waiting, transient_error,
//                                                                permanent_error)
//   steward_reconcile_errors_total{resource,reason}   counter    failed apply/delete calls by the
//                                                                API Status reason (Conflict,
//                                                                Forbidden, Invalid, ...), Network
//                                                                (no response) or Unknown
//   steward_reconcile_duration_seconds{resource}      histogram  one reconcile, API calls included
//   steward_drift_detected_total{resource}            counter    live objects found drifted
//   steward_drift_corrected_total{resource}           counter    ...and corrected by an apply (not
//                                                                in dry run: it corrects nothing)
//   steward_pruned_total{resource}                    counter    objects deleted by prune (not in
//                                                                dry run)
//   steward_prune_blocked_total{reason}               counter    prunes steward would not do:
//                                                                namespace-not-empty (a Namespace
//                                                                holds what steward did not make,
//                                                                namespace_contents.hpp)
//   steward_managed_objects{resource}                 gauge      objects of steward's sources in
//                                                                the informers' caches
//   steward_desired_reload_total{source,result}       counter    loads of a source: success, failure
//   steward_ignored_fields_total{source}              counter    fields an ignore rule kept steward
//                                                                from writing: their live value
//                                                                differs from the manifest's (per
//                                                                field, per reconcile)
//
// `resource` is the resource as discovery names it, group-qualified as kubectl and the informer
// metrics have it: "deployments.apps", "configmaps". A kind discovery does not serve (yet) stands
// in as "Kind.group". Series are created on first use (resources come and go with the desired
// state); managed-object series of resources no longer watched are removed.
//
// Zero from the start, as controller-runtime does, so that rate() and absent() work on a standby
// and on a leader before its first reconcile: every watched resource gets reconcile_total for each
// result and drift_detected, drift_corrected and pruned at 0 (managed_objects(), which sees every
// watched resource before each scrape), every configured source desired_reload_total for success
// and failure and ignored_fields_total at 0 (known_sources()), and prune_blocked_total its one
// reason. Not reconcile_errors_total: its reasons are the API server's (any Status reason), so no
// fixed list is complete; alerts read errors from reconcile_total's *_error results instead.
// Counters of a resource or source that leaves stay: counters do not go away.
//
// Families are shared through the registry, so the reconciler and the controller may each hold an
// instance on the same registry. Thread-safe.

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace steward::reconcile {

class ReconcileMetrics {
 public:
  explicit ReconcileMetrics(prometheus::Registry& registry);

  void reconciled(const std::string& resource, std::string_view result, double seconds);
  void error(const std::string& resource, const std::string& reason);
  void drift_detected(const std::string& resource);
  void drift_corrected(const std::string& resource);
  void pruned(const std::string& resource);
  void prune_blocked(const std::string& reason);
  void desired_reload(const std::string& source, bool ok);
  void ignored_fields(const std::string& source, double count);
  // Sets steward_managed_objects to `counts` (by resource, every watched one), removing resources
  // not in it; the per-resource counters of a resource seen first here start at 0.
  void managed_objects(const std::map<std::string, double>& counts);
  // The per-source counters of each of `sources` (names) start at 0.
  void known_sources(const std::vector<std::string>& sources);

 private:
  prometheus::Family<prometheus::Counter>& total_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Counter>& detected_;
  prometheus::Family<prometheus::Counter>& corrected_;
  prometheus::Family<prometheus::Counter>& pruned_;
  prometheus::Family<prometheus::Counter>& prune_blocked_;
  prometheus::Family<prometheus::Gauge>& managed_;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Family<prometheus::Counter>& ignored_;

  std::mutex managed_mu_;               // guards the three sets below
  std::set<std::string> managed_resources_;  // the series of managed_ this instance has set
  std::set<std::string> seeded_resources_;   // resources whose counters were set to 0
  std::set<std::string> seeded_sources_;     // sources whose counters were set to 0
};

}  // namespace steward::reconcile
