#include "reconcile/reconcile_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "reconcile/outcome.hpp"

namespace steward::reconcile {
namespace {

prometheus::Family<prometheus::Counter>& counter_family(prometheus::Registry& registry,
                                                        const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

}  // namespace

ReconcileMetrics::ReconcileMetrics(prometheus::Registry& registry)
    : total_(counter_family(registry, "steward_reconcile_total",
                            "Reconciles by resource and outcome.")),
      errors_(counter_family(registry, "steward_reconcile_errors_total",
                             "Failed apply and delete calls by resource and API Status reason "
                             "(Network when there was no response).")),
      duration_(prometheus::BuildHistogram()
                    .Name("steward_reconcile_duration_seconds")
                    .Help("Time to reconcile one key, API calls included.")
                    .Register(registry)),
      detected_(counter_family(registry, "steward_drift_detected_total",
                               "Live objects found to differ from their desired state.")),
      corrected_(counter_family(registry, "steward_drift_corrected_total",
                                "Drifted objects corrected by an apply (dry runs not counted).")),
      pruned_(counter_family(registry, "steward_pruned_total",
                             "Objects deleted because they left the desired state (dry runs not "
                             "counted).")),
      prune_blocked_(counter_family(registry, "steward_prune_blocked_total",
                                    "Prunes steward did not do, by reason (namespace-not-empty: "
                                    "the Namespace holds objects steward did not make).")),
      managed_(prometheus::BuildGauge()
                   .Name("steward_managed_objects")
                   .Help("Objects of steward's sources in the informers' caches, by resource.")
                   .Register(registry)),
      reloads_(counter_family(registry, "steward_desired_reload_total",
                              "Loads of a desired-state source, by source and result (success, "
                              "failure).")),
      ignored_(counter_family(registry, "steward_ignored_fields_total",
                              "Fields an ignore rule of the source kept steward from writing (their "
                              "live value differs from the manifest's), per field and reconcile.")) {
  prune_blocked_.Add({{"reason", "namespace-not-empty"}});
}

void ReconcileMetrics::reconciled(const std::string& resource, std::string_view result,
                                  double seconds) {
  total_.Add({{"resource", resource}, {"result", std::string(result)}}).Increment();
  // 1 ms .. ~16 s: an in-sync reconcile is microseconds, an apply over a slow link seconds.
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  duration_.Add({{"resource", resource}}, kBuckets).Observe(seconds);
}

void ReconcileMetrics::error(const std::string& resource, const std::string& reason) {
  errors_.Add({{"resource", resource}, {"reason", reason}}).Increment();
}

void ReconcileMetrics::drift_detected(const std::string& resource) {
  detected_.Add({{"resource", resource}}).Increment();
}

void ReconcileMetrics::drift_corrected(const std::string& resource) {
  corrected_.Add({{"resource", resource}}).Increment();
}

void ReconcileMetrics::pruned(const std::string& resource) {
  pruned_.Add({{"resource", resource}}).Increment();
}

void ReconcileMetrics::prune_blocked(const std::string& reason) {
  prune_blocked_.Add({{"reason", reason}}).Increment();
}

void ReconcileMetrics::desired_reload(const std::string& source, bool ok) {
  reloads_.Add({{"source", source}, {"result", ok ? "success" : "failure"}}).Increment();
}

void ReconcileMetrics::ignored_fields(const std::string& source, double count) {
  ignored_.Add({{"source", source}}).Increment(count);
}

void ReconcileMetrics::managed_objects(const std::map<std::string, double>& counts) {
  std::lock_guard lock(managed_mu_);
  for (const auto& resource : managed_resources_) {
    if (counts.count(resource) == 0 && managed_.Has({{"resource", resource}})) {
      managed_.Remove(&managed_.Add({{"resource", resource}}));
    }
  }
  managed_resources_.clear();
  for (const auto& [resource, count] : counts) {
    managed_.Add({{"resource", resource}}).Set(count);
    managed_resources_.insert(resource);
    if (!seeded_resources_.insert(resource).second) continue;
    // Add() creates a counter at 0 and leaves one that exists alone.
    for (const Result result : {Result::kInSync, Result::kCreated, Result::kCorrected,
                                Result::kPruned, Result::kWaiting, Result::kTransientError,
                                Result::kPermanentError}) {
      total_.Add({{"resource", resource}, {"result", std::string(to_string(result))}});
    }
    for (auto* family : {&detected_, &corrected_, &pruned_}) family->Add({{"resource", resource}});
  }
}

void ReconcileMetrics::known_sources(const std::vector<std::string>& sources) {
  std::lock_guard lock(managed_mu_);
  for (const auto& source : sources) {
    if (!seeded_sources_.insert(source).second) continue;
    for (const char* result : {"success", "failure"}) {
      reloads_.Add({{"source", source}, {"result", result}});
    }
    ignored_.Add({{"source", source}});
  }
}

}  // namespace steward::reconcile
