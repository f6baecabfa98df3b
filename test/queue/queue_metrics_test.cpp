#include <catch2/catch.hpp>

#include <prometheus/registry.h>

#include <string>

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
  CHECK(sample(registry, "workqueue_adds_total", "reconcile") == 2);
  CHECK(sample(registry, "workqueue_depth", "reconcile") == 2);

  clock.advance(3s);
  REQUIRE(q.get() == "a");
  CHECK(sample(registry, "workqueue_depth", "reconcile") == 1);
  std::uint64_t count = 0;
  CHECK(sample(registry, "workqueue_queue_duration_seconds", "reconcile", &count) == Approx(3));
  CHECK(count == 1);

  clock.advance(4s);
  q.update_unfinished_work_metrics();
  CHECK(sample(registry, "workqueue_unfinished_work_seconds", "reconcile") == Approx(4));
  CHECK(sample(registry, "workqueue_longest_running_processor_seconds", "reconcile") == Approx(4));

  REQUIRE(q.get() == "b");
  clock.advance(1s);
  q.update_unfinished_work_metrics();
  CHECK(sample(registry, "workqueue_unfinished_work_seconds", "reconcile") == Approx(5 + 1));
  CHECK(sample(registry, "workqueue_longest_running_processor_seconds", "reconcile") == Approx(5));

  q.done("a");
  CHECK(sample(registry, "workqueue_work_duration_seconds", "reconcile", &count) == Approx(5));
  CHECK(count == 1);
  q.done("b");
  q.update_unfinished_work_metrics();
  CHECK(sample(registry, "workqueue_unfinished_work_seconds", "reconcile") == 0);

  q.add_after("c", 1s);
  q.add_after("c", 2s);
  CHECK(sample(registry, "workqueue_retries_total", "reconcile") == 2);
  CHECK(sample(registry, "workqueue_depth", "reconcile") == 0);  // delayed keys are not depth
}

TEST_CASE("two queues in one registry keep separate series") {
  prometheus::Registry registry;
  WorkQueue<std::string> one({.name = "one", .registry = &registry});
  WorkQueue<std::string> two({.name = "two", .registry = &registry});
  one.add("a");
  CHECK(sample(registry, "workqueue_adds_total", "one") == 1);
  CHECK(sample(registry, "workqueue_adds_total", "two") == 0);
}
