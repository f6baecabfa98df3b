#pragma once
// The sources' health as Prometheus sees it (docs/metrics.md, "Health"), set from the status book
// (status_book.hpp) before each scrape:
//
//   steward_source_health{source,status}                 gauge  objects of the source with that
//                                                               health status (Current,
//                                                               InProgress, Failed, Terminating,
//                                                               NotFound, Unknown); one series per
//                                                               status some object has, not one per
//                                                               object
//   steward_source_last_applied_timestamp_seconds{source} gauge Unix time of the last successful
//                                                               reconcile of one of its objects
//                                                               while none of them was failing:
//                                                               `time() -` this is how stale "in
//                                                               sync" is
//
// Series of statuses no object has any more, and of sources that are gone, are removed. Thread-safe.

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "reconcile/status_book.hpp"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Gauge;
}  // namespace prometheus

namespace steward::reconcile {

class SourceHealthMetrics {
 public:
  explicit SourceHealthMetrics(prometheus::Registry& registry);

  // Sets the gauges to `sources`, removing the series nothing in them has.
  void update(const std::vector<SourceHealth>& sources);

 private:
  prometheus::Family<prometheus::Gauge>& health_;
  prometheus::Family<prometheus::Gauge>& last_applied_;

  std::mutex mu_;  // guards the two sets, and one update at a time
  std::set<std::pair<std::string, std::string>> health_series_;  // (source, status) set last time
  std::set<std::string> applied_series_;                          // sources set last time
};

}  // namespace steward::reconcile
