#include "reconcile/reconcile_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace steward::reconcile {

ReconcileMetrics::ReconcileMetrics(prometheus::Registry& registry)
    : total_(prometheus::BuildCounter()
                 .Name("steward_reconcile_total")
                 .Help("Reconciles by kind and outcome.")
                 .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("steward_reconcile_duration_seconds")
                    .Help("Time to reconcile one key, API calls included.")
                    .Register(registry)),
      detected_(prometheus::BuildCounter()
                    .Name("steward_drift_detected_total")
                    .Help("Live objects found to differ from their desired state.")
                    .Register(registry)),
      corrected_(prometheus::BuildCounter()
                     .Name("steward_drift_corrected_total")
                     .Help("Drifted objects corrected by an apply.")
                     .Register(registry)) {}

void ReconcileMetrics::reconciled(const std::string& kind, std::string_view result,
                                  double seconds) {
  total_.Add({{"kind", kind}, {"result", std::string(result)}}).Increment();
  // 1 ms .. ~16 s: an in-sync reconcile is microseconds, an apply over a slow link seconds.
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  duration_.Add({{"kind", kind}}, kBuckets).Observe(seconds);
}

void ReconcileMetrics::drift_detected(const std::string& kind) {
  detected_.Add({{"kind", kind}}).Increment();
}

void ReconcileMetrics::drift_corrected(const std::string& kind) {
  corrected_.Add({{"kind", kind}}).Increment();
}

}  // namespace steward::reconcile
