#pragma once
// The reconciler's metrics (architecture guide, "Metrics"):
//
//   steward_reconcile_total{kind,result}            counter    reconciles by outcome (in_sync,
//                                                              created, corrected, pruned, waiting,
//                                                              transient_error, permanent_error)
//   steward_reconcile_duration_seconds{kind}        histogram  one reconcile, API calls included
//   steward_drift_detected_total{kind}              counter    live objects found drifted
//   steward_drift_corrected_total{kind}             counter    ...and corrected by an apply
//
// Series are created on first use per kind (kinds come and go with the desired state).

#include <string>
#include <string_view>

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Histogram;
}  // namespace prometheus

namespace steward::reconcile {

class ReconcileMetrics {
 public:
  explicit ReconcileMetrics(prometheus::Registry& registry);

  void reconciled(const std::string& kind, std::string_view result, double seconds);
  void drift_detected(const std::string& kind);
  void drift_corrected(const std::string& kind);

 private:
  prometheus::Family<prometheus::Counter>& total_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Counter>& detected_;
  prometheus::Family<prometheus::Counter>& corrected_;
};

}  // namespace steward::reconcile
