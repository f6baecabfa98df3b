#pragma once
// QueueMetrics: client-go's workqueue metric family, one set of series per queue (label `name`).
//
//   workqueue_depth                               gauge      keys waiting to be processed
//   workqueue_adds_total                          counter    adds that were not de-duplicated away
//   workqueue_queue_duration_seconds              histogram  time from add to get
//   workqueue_work_duration_seconds               histogram  time from get to done
//   workqueue_retries_total                       counter    delayed (rate-limited) re-adds
//   workqueue_unfinished_work_seconds             gauge      sum of the ages of in-flight work
//   workqueue_longest_running_processor_seconds   gauge      age of the oldest in-flight work
//
// Buckets are client-go's (10 ns .. 10 s, factor 10) so dashboards built for Go controllers work.

#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace steward::queue {

class QueueMetrics {
 public:
  QueueMetrics(prometheus::Registry& registry, const std::string& name);

  void added();
  void started(double queued_seconds);
  void finished(double work_seconds);
  void retried();
  void set_unfinished_work(double unfinished_seconds, double longest_seconds);

 private:
  prometheus::Gauge& depth_;
  prometheus::Counter& adds_;
  prometheus::Histogram& queue_duration_;
  prometheus::Histogram& work_duration_;
  prometheus::Counter& retries_;
  prometheus::Gauge& unfinished_;
  prometheus::Gauge& longest_;
};

}  // namespace steward::queue
