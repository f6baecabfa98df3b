#include "queue/queue_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace steward::queue {
namespace {

// client-go: prometheus.ExponentialBuckets(10e-9, 10, 10).
prometheus::Histogram::BucketBoundaries latency_buckets() {
  prometheus::Histogram::BucketBoundaries buckets;
  double bound = 10e-9;
  for (int i = 0; i < 10; ++i, bound *= 10) buckets.push_back(bound);
  return buckets;
}

prometheus::Gauge& gauge(prometheus::Registry& registry, const char* metric, const char* help,
                         const std::string& name) {
  return prometheus::BuildGauge().Name(metric).Help(help).Register(registry).Add({{"name", name}});
}

prometheus::Counter& counter(prometheus::Registry& registry, const char* metric, const char* help,
                             const std::string& name) {
  return prometheus::BuildCounter().Name(metric).Help(help).Register(registry).Add({{"name", name}});
}

prometheus::Histogram& histogram(prometheus::Registry& registry, const char* metric,
                                 const char* help, const std::string& name) {
  return prometheus::BuildHistogram()
      .Name(metric)
      .Help(help)
      .Register(registry)
      .Add({{"name", name}}, latency_buckets());
}

}  // namespace

QueueMetrics::QueueMetrics(prometheus::Registry& registry, const std::string& name)
    : depth_(gauge(registry, "workqueue_depth", "Current depth of workqueue", name)),
      adds_(counter(registry, "workqueue_adds_total", "Total number of adds handled by workqueue",
                    name)),
      queue_duration_(histogram(registry, "workqueue_queue_duration_seconds",
                                "How long in seconds an item stays in workqueue before being "
                                "requested.",
                                name)),
      work_duration_(histogram(registry, "workqueue_work_duration_seconds",
                               "How long in seconds processing an item from workqueue takes.",
                               name)),
      retries_(counter(registry, "workqueue_retries_total",
                       "Total number of retries handled by workqueue", name)),
      unfinished_(gauge(registry, "workqueue_unfinished_work_seconds",
                        "How many seconds of work has done that is in progress and hasn't been "
                        "observed by work_duration. Large values indicate stuck threads. One can "
                        "deduce the number of stuck threads by observing the rate at which this "
                        "increases.",
                        name)),
      longest_(gauge(registry, "workqueue_longest_running_processor_seconds",
                     "How many seconds has the longest running processor for workqueue been "
                     "running.",
                     name)) {}

void QueueMetrics::added() {
  adds_.Increment();
  depth_.Increment();
}

void QueueMetrics::started(double queued_seconds) {
  depth_.Decrement();
  queue_duration_.Observe(queued_seconds);
}

void QueueMetrics::finished(double work_seconds) { work_duration_.Observe(work_seconds); }

void QueueMetrics::retried() { retries_.Increment(); }

void QueueMetrics::set_unfinished_work(double unfinished_seconds, double longest_seconds) {
  unfinished_.Set(unfinished_seconds);
  longest_.Set(longest_seconds);
}

}  // namespace steward::queue
