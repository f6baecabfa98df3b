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
//
// The queue records into plain fields under its own mutex, and publish() copies what was recorded
// since the last call into the registry; the daemon calls it before each scrape. Writing the
// registry's cells on every add, get and done cost about 30 ns of an op's 350 on one CPU
// (bench_queue pinned), and each cell is an atomic (a histogram also takes a mutex) written by
// producer and worker threads alike, so across cores every op moved their cache lines too; the
// queue's own fields sit with its lock, which the op holds anyway.
// Not thread-safe: the owning queue holds its mutex around every call.

#include <array>
#include <cstdint>
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

  void added() {
    ++adds_;
    ++depth_;
  }
  void started(double queued_seconds) {
    --depth_;
    queue_duration_.observe(queued_seconds);
  }
  void finished(double work_seconds) { work_duration_.observe(work_seconds); }
  void retried() { ++retries_; }

  // Moves what was recorded since the last publish() to the registry, with the in-flight figures
  // that only the queue can compute.
  void publish(double unfinished_seconds, double longest_seconds);

 private:
  // Observations not yet published, by bucket as prometheus-cpp sorts them: bucket i counts values
  // <= bound(i) and above the bound before; the last one counts those above 10 s.
  struct Observations {
    static constexpr std::size_t kBuckets = 10;  // client-go's bounds; +1 for +Inf below
    std::array<std::uint64_t, kBuckets + 1> counts{};
    double sum = 0;
    void observe(double seconds);
  };

  std::int64_t depth_ = 0;     // current; published as is
  std::uint64_t adds_ = 0;     // since the last publish(), as are the ones below
  std::uint64_t retries_ = 0;
  Observations queue_duration_;
  Observations work_duration_;

  prometheus::Gauge& depth_gauge_;
  prometheus::Counter& adds_counter_;
  prometheus::Histogram& queue_duration_histogram_;
  prometheus::Histogram& work_duration_histogram_;
  prometheus::Counter& retries_counter_;
  prometheus::Gauge& unfinished_;
  prometheus::Gauge& longest_;
};

}  // namespace steward::queue
