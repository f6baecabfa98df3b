#include <catch2/catch.hpp>

#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <limits>
#include <string>
#include <vector>

#include "queue/work_queue.hpp"

using namespace std::chrono_literals;
using steward::base::FakeClock;
using steward::queue::WorkQueue;

namespace {

// The sample of `metric` with label name=`queue`: a gauge's or counter's value, a histogram's sum
// (and its count in `count`).
double sample(const prometheus::Registry& registry, const std::string& metric,
              const std::string& queue, std::uint64_t* count = nullptr) {
  for (const auto& family : registry.Collect()) {
    if (family.name != metric) continue;
    for (const auto& m : family.metric) {
      if (m.label.empty() || m.label[0].value != queue) continue;
      switch (family.type) {
        case prometheus::MetricType::Gauge: return m.gauge.value;
        case prometheus::MetricType::Counter: return m.counter.value;
        case prometheus::MetricType::Histogram:
          if (count) *count = m.histogram.sample_count;
          return m.histogram.sample_sum;
        default: break;
      }
    }
  }
  FAIL("no sample for " << metric << "{name=\"" << queue << "\"}");
  return 0;
}

}  // namespace

TEST_CASE("workqueue metrics follow adds, waits, work, retries and in-flight time") {
  FakeClock clock;
  prometheus::Registry registry;
  WorkQueue<std::string> q({.name = "reconcile", .registry = &registry, .clock = &clock});

  q.add("a");
  q.add("b");
  q.add("a");  // de-duplicated: not an add
  q.update_metrics();
  CHECK(sample(registry, "workqueue_adds_total", "reconcile") == 2);
  CHECK(sample(registry, "workqueue_depth", "reconcile") == 2);

  clock.advance(3s);
  REQUIRE(q.get() == "a");
  q.update_metrics();
  CHECK(sample(registry, "workqueue_depth", "reconcile") == 1);
  std::uint64_t count = 0;
  CHECK(sample(registry, "workqueue_queue_duration_seconds", "reconcile", &count) == Approx(3));
  CHECK(count == 1);

  clock.advance(4s);
  q.update_metrics();
  CHECK(sample(registry, "workqueue_unfinished_work_seconds", "reconcile") == Approx(4));
  CHECK(sample(registry, "workqueue_longest_running_processor_seconds", "reconcile") == Approx(4));

  REQUIRE(q.get() == "b");
  clock.advance(1s);
  q.update_metrics();
  CHECK(sample(registry, "workqueue_unfinished_work_seconds", "reconcile") == Approx(5 + 1));
  CHECK(sample(registry, "workqueue_longest_running_processor_seconds", "reconcile") == Approx(5));

  q.done("a");
  q.update_metrics();
  CHECK(sample(registry, "workqueue_work_duration_seconds", "reconcile", &count) == Approx(5));
  CHECK(count == 1);
  q.done("b");
  q.update_metrics();
  CHECK(sample(registry, "workqueue_unfinished_work_seconds", "reconcile") == 0);

  q.add_after("c", 1s);
  q.add_after("c", 2s);
  q.update_metrics();
  CHECK(sample(registry, "workqueue_retries_total", "reconcile") == 2);
  CHECK(sample(registry, "workqueue_depth", "reconcile") == 0);  // delayed keys are not depth
}

TEST_CASE("two queues in one registry keep separate series") {
  prometheus::Registry registry;
  WorkQueue<std::string> one({.name = "one", .registry = &registry});
  WorkQueue<std::string> two({.name = "two", .registry = &registry});
  one.add("a");
  one.update_metrics();
  two.update_metrics();
  CHECK(sample(registry, "workqueue_adds_total", "one") == 1);
  CHECK(sample(registry, "workqueue_adds_total", "two") == 0);
}

TEST_CASE("metrics reach the registry when published, each observation once") {
  FakeClock clock;
  prometheus::Registry registry;
  WorkQueue<std::string> q({.name = "reconcile", .registry = &registry, .clock = &clock});

  // Recorded under the queue's lock, not written to the registry's shared cells on every op.
  q.add("a");
  CHECK(sample(registry, "workqueue_adds_total", "reconcile") == 0);
  q.update_metrics();
  CHECK(sample(registry, "workqueue_adds_total", "reconcile") == 1);
  CHECK(sample(registry, "workqueue_depth", "reconcile") == 1);

  clock.advance(2s);
  REQUIRE(q.get() == "a");
  q.done("a");
  q.add("b");
  q.update_metrics();
  q.update_metrics();  // a second scrape with nothing new adds nothing
  CHECK(sample(registry, "workqueue_adds_total", "reconcile") == 2);
  CHECK(sample(registry, "workqueue_depth", "reconcile") == 1);
  std::uint64_t count = 0;
  CHECK(sample(registry, "workqueue_queue_duration_seconds", "reconcile", &count) == Approx(2));
  CHECK(count == 1);
}

TEST_CASE("published durations fall in the buckets prometheus would pick") {
  FakeClock clock;
  prometheus::Registry registry;
  WorkQueue<std::string> q({.name = "reconcile", .registry = &registry, .clock = &clock});
  // On a bound, between bounds, and above the last one.
  const std::vector<std::chrono::nanoseconds> waits = {1ms, 1500ms, 20s};
  for (auto wait : waits) {
    q.add("a");
    clock.advance(wait);
    REQUIRE(q.get() == "a");
    q.done("a");
  }
  q.update_metrics();

  prometheus::Histogram::BucketBoundaries bounds;
  std::vector<std::uint64_t> got;
  for (const auto& family : registry.Collect()) {
    if (family.name != "workqueue_queue_duration_seconds") continue;
    for (const auto& bucket : family.metric.at(0).histogram.bucket) {
      if (bucket.upper_bound != std::numeric_limits<double>::infinity()) {
        bounds.push_back(bucket.upper_bound);
      }
      got.push_back(bucket.cumulative_count);
    }
  }
  prometheus::Histogram expected(bounds);
  for (auto wait : waits) expected.Observe(std::chrono::duration<double>(wait).count());
  std::vector<std::uint64_t> want;
  for (const auto& bucket : expected.Collect().histogram.bucket) {
    want.push_back(bucket.cumulative_count);
  }
  CHECK(bounds.size() == 10);
  CHECK(got == want);
}
