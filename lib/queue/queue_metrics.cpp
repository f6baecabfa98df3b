#include "queue/queue_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <vector>

namespace steward::queue {
namespace {

// client-go: prometheus.ExponentialBuckets(10e-9, 10, 10).
const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = [] {
    prometheus::Histogram::BucketBoundaries out;
    double bound = 10e-9;
    for (int i = 0; i < 10; ++i, bound *= 10) out.push_back(bound);
    return out;
  }();
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
    : depth_gauge_(gauge(registry, "workqueue_depth", "Current depth of workqueue", name)),
      adds_counter_(counter(registry, "workqueue_adds_total",
                            "Total number of adds handled by workqueue", name)),
      queue_duration_histogram_(histogram(registry, "workqueue_queue_duration_seconds",
                                          "How long in seconds an item stays in workqueue before "
                                          "being requested.",
                                          name)),
      work_duration_histogram_(histogram(registry, "workqueue_work_duration_seconds",
                                         "How long in seconds processing an item from workqueue "
                                         "takes.",
                                         name)),
      retries_counter_(counter(registry, "workqueue_retries_total",
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

void QueueMetrics::Observations::observe(double seconds) {
  // The first bound not below the value, as prometheus::Histogram::Observe picks it.
  const auto& bounds = latency_buckets();
  std::size_t i = 0;
  while (i < kBuckets && bounds[i] < seconds) ++i;
  ++counts[i];
  sum += seconds;
}

namespace {

// Adds `recorded` to `histogram` and clears it.
template <typename Observations>
void publish_histogram(Observations& recorded, prometheus::Histogram& histogram) {
  std::vector<double> increments(recorded.counts.begin(), recorded.counts.end());
  histogram.ObserveMultiple(increments, recorded.sum);
  recorded = {};
}

}  // namespace

void QueueMetrics::publish(double unfinished_seconds, double longest_seconds) {
  depth_gauge_.Set(static_cast<double>(depth_));
  adds_counter_.Increment(static_cast<double>(adds_));
  adds_ = 0;
  retries_counter_.Increment(static_cast<double>(retries_));
  retries_ = 0;
  publish_histogram(queue_duration_, queue_duration_histogram_);
  publish_histogram(work_duration_, work_duration_histogram_);
  unfinished_.Set(unfinished_seconds);
  longest_.Set(longest_seconds);
}

}  // namespace steward::queue
