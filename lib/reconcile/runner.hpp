#pragma once
// Runner: the work queue, the worker threads that drain it, and the rule that turns each
// reconcile's outcome into a requeue (controller-runtime's reconcileHandler, kube-rs's Action):
//
//   in sync, created, corrected, pruned    forget the key's failures
//   waiting                                back after the key's own exponential backoff, not
//                                          the queue's overall bucket: a wait (for an earlier
//                                          apply tier, a source it depends on) sends nothing to
//                                          the server, and a first apply of thousands of objects
//                                          held a moment for their Namespace must not then trickle
//                                          through at the bucket's 10 a second; or, when it waits
//                                          for its kind's cache, parked until that cache syncs
//   transient error                        back with rate-limited backoff, or when the error said
//                                          (retry_in: the client's circuit breaker is open)
//   permanent error                        back only after the slowest backoff, so it cannot
//                                          hot-loop (and, for a kind nothing served, also when
//                                          that kind's cache syncs: someone installed its CRD)
//
// Each worker thread takes a key, runs the reconcile coroutine on the I/O threads and waits for it
// (the queue guarantees one reconcile per key at a time). The pool grows at once and shrinks as
// surplus workers finish their current key. stop() lets the reconciles that are running finish and
// drops the queued keys. The runner knows nothing of what a reconcile does.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "desired/desired_object.hpp"
#include "queue/rate_limiting_queue.hpp"
#include "reconcile/outcome.hpp"

namespace steward::reconcile {

struct RunnerOptions {
  int workers = 4;
  queue::ItemExponentialOptions backoff{};
  queue::BucketOptions bucket{};
  prometheus::Registry* registry = nullptr;
};

// The keys whose last reconcile failed, for readiness and `--once`.
struct FailingKeys {
  bool busy = false;          // keys queued now or in flight (delayed retries not counted)
  std::size_t failing = 0;    // keys whose last reconcile failed or is waiting
  std::size_t permanent = 0;  // ...of which failed permanently
  std::vector<std::string> lines;  // "key: result: why", the first few
};

class Runner {
 public:
  struct Hooks {
    // The reconcile of one key.
    std::function<boost::asio::awaitable<Reconciled>(desired::ObjectKey, std::string)> reconcile;
    // Re-enqueue `key` once its kind's cache has synced.
    std::function<void(const desired::ObjectKey&)> park;
    // After each reconcile, once the key is requeued as its outcome says.
    std::function<void(const desired::ObjectKey&, const Reconciled&)> finished;
    // The resource label of a key, for a reconcile that threw.
    std::function<std::string(const desired::ObjectKey&)> resource;
  };

  Runner(boost::asio::io_context& io, RunnerOptions options, Hooks hooks);
  ~Runner();

  void add(const desired::ObjectKey& key) { queue_.add(key); }
  // Starts the workers (once).
  void start();
  // Grows the pool at once; shrinking lets surplus workers finish their current key first.
  void set_workers(int workers);
  // Stops taking keys and joins the workers; in-flight reconciles finish.
  void stop();

  // A new desired state: failures of keys it removed are forgotten (their next reconcile is a
  // different question), and the keys returned, no longer desired but still failing (a prune the
  // previous load's guard refused), should be asked again under the new state.
  template <typename IsDesired>
  std::vector<desired::ObjectKey> settle(const std::vector<desired::ObjectKey>& removed,
                                         IsDesired is_desired) {
    std::lock_guard lock(mu_);
    for (const auto& key : removed) failing_.erase(key);
    std::vector<desired::ObjectKey> retry;
    for (const auto& [key, outcome] : failing_) {
      if (!is_desired(key)) retry.push_back(key);
    }
    return retry;
  }

  FailingKeys failing() const;
  void update_queue_metrics() { queue_.update_metrics(); }
  std::chrono::steady_clock::duration longest_running() const {
    return queue_.longest_processing();
  }

 private:
  using Queue = queue::RateLimitingQueue<desired::ObjectKey, desired::ObjectKeyHash>;
  void worker();
  void requeue(const desired::ObjectKey& key, const Reconciled& done);

  boost::asio::io_context& io_;
  const RunnerOptions options_;
  const Hooks hooks_;
  Queue queue_;
  // The waits' backoff: the queue's per-key part alone (options_.backoff), forgotten with it.
  queue::ItemExponentialRateLimiter<desired::ObjectKey, desired::ObjectKeyHash> waits_;
  std::atomic<int> surplus_{0};  // workers that should leave after their current key

  mutable std::mutex mu_;  // guards everything below
  std::vector<std::thread> workers_;  // every worker started (those that left are joined at stop)
  int target_workers_ = 0;            // how many should run once started
  bool stopped_ = false;
  std::map<desired::ObjectKey, Outcome> failing_;  // keys whose last outcome failed
};

}  // namespace steward::reconcile
