#pragma once
// WorkQueue: the de-duplicating, delaying work queue between the informers and the reconcilers,
// with client-go's semantics (util/workqueue/queue.go and delaying_queue.go).
//
// Invariants:
//   * A key is queued at most once: add() of a key that is already waiting does nothing.
//   * A key is never handed to two workers at once. add() of a key that a worker is processing marks
//     it dirty; done() then puts it back at the end of the queue, so the change is not lost and the
//     next reconcile sees it.
//   * add_after(key, d) makes the key ready no earlier than d from now; a second add_after of a key
//     that is still waiting keeps the earlier time.
//   * After shutdown() adds are ignored; get() still hands out what was queued and returns nullopt
//     once the queue is empty. Delayed keys not yet due are dropped.
//
// Delayed keys are promoted by whichever worker calls get() once they are due (a waiting worker
// sleeps until the earliest due time), so no timer thread is needed. Thread-safe; every method
// takes the one mutex `mu_` for a short critical section, which allocates only when no spare node
// is left.

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/clock.hpp"
#include "base/spin_lock.hpp"
#include "queue/queue_metrics.hpp"

namespace steward::queue {

struct WorkQueueOptions {
  // Value of the `name` label on the workqueue_* metrics; empty disables metrics.
  std::string name;
  // Registry for the metrics; null disables metrics.
  prometheus::Registry* registry = nullptr;
  // Source of time for delays and latency metrics; tests pass a FakeClock.
  const base::Clock* clock = &base::SteadyClock::instance();
};

template <typename Key, typename Hash = std::hash<Key>>
class WorkQueue {
 public:
  using Clock = base::Clock;

  explicit WorkQueue(WorkQueueOptions options = {}) : clock_(*options.clock) {
    if (options.registry != nullptr && !options.name.empty()) {
      metrics_ = std::make_unique<QueueMetrics>(*options.registry, options.name);
    }
  }
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `key` unless it is already queued; if it is being processed, queues it again on done().
  void add(const Key& key) {
    // Time is read outside the lock: the critical section is the queue's throughput limit when
    // producers and workers contend. Only the queue-duration metric needs it. The map node is taken
    // inside, from the spares done() left (see spare_), which costs less than a malloc outside.
    const auto now = metrics_ ? clock_.now() : Clock::time_point{};
    auto lock = base::lock_spinning_first(mu_);
    add_locked(key, now);
  }

  // Queues `key` once `delay` has passed (at once if delay <= 0).
  void add_after(const Key& key, Clock::duration delay) {
    const auto now = clock_.now();
    auto lock = base::lock_spinning_first(mu_);
    if (shutting_down_) return;
    if (metrics_) metrics_->retried();
    if (delay <= Clock::duration::zero()) {
      add_locked(key, now);
      return;
    }
    const auto ready_at = now + delay;
    auto [it, inserted] = waiting_.try_emplace(key, ready_at);
    if (!inserted) {
      if (it->second <= ready_at) return;
      it->second = ready_at;  // the older heap entry goes stale and is skipped when it surfaces
    }
    delayed_.push(Delayed{ready_at, key});
    // A parked worker may be sleeping until a later deadline; let one recompute.
    if (idle_workers_ > 0) cv_.notify_one();
  }

  // Blocks until a key is ready and returns it, now marked as processing; nullopt once the queue is
  // shut down and empty. Every key returned must be passed to done().
  std::optional<Key> get() {
    auto now = clock_.now();
    auto lock = base::lock_spinning_first(mu_);
    for (;;) {
      promote_due_locked(now);
      if (!queue_.empty()) return start(now, lock);
      if (shutting_down_) return std::nullopt;
      const auto deadline = delayed_.empty() ? Clock::time_point::max() : delayed_.top().ready_at;
      ++idle_workers_;
      clock_.wait_until(cv_, lock, deadline);
      --idle_workers_;
      now = clock_.now();
    }
  }

  // Like get(), but returns nullopt at once when no key is ready.
  std::optional<Key> try_get() {
    const auto now = clock_.now();
    auto lock = base::lock_spinning_first(mu_);
    promote_due_locked(now);
    if (queue_.empty()) return std::nullopt;
    return start(now, lock);
  }

  // Marks `key` as no longer processing; re-queues it if it was added meanwhile.
  void done(const Key& key) {
    const auto now = metrics_ ? clock_.now() : Clock::time_point{};  // for the work-duration metric
    {
      auto lock = base::lock_spinning_first(mu_);
      auto it = items_.find(key);
      if (it == items_.end() || !it->second.processing) return;  // not from get(): nothing to do
      Item& item = it->second;
      if (metrics_) metrics_->finished(seconds(now - item.started_at));
      item.processing = false;
      --processing_;
      if (item.dirty) {
        push_locked(&*it);
      } else {
        keep_spare_locked(items_.extract(it));
      }
      if (processing_ == 0 && draining_) drained_cv_.notify_all();
    }
  }

  // Stops intake and wakes every worker blocked in get().
  void shutdown() {
    auto lock = base::lock_spinning_first(mu_);
    shutdown_locked();
  }

  // shutdown(), then waits until every key handed out by get() has been passed to done().
  void shutdown_with_drain() {
    auto lock = base::lock_spinning_first(mu_);
    draining_ = true;
    shutdown_locked();
    drained_cv_.wait(lock, [this] { return processing_ == 0; });
  }

  bool shutting_down() const {
    auto lock = base::lock_spinning_first(mu_);
    return shutting_down_;
  }

  // Keys ready to be handed out (not counting delayed or in-flight ones).
  std::size_t len() const {
    auto lock = base::lock_spinning_first(mu_);
    return queue_.size();
  }

  // Whether a key is ready or in flight (handed out by get(), not done() yet), read at one moment:
  // len() and a count of workers taken one after the other would miss a key between get() and
  // the worker's own bookkeeping, and a caller asking "is everything done?" would be told yes.
  bool busy() const {
    auto lock = base::lock_spinning_first(mu_);
    return !queue_.empty() || processing_ > 0;
  }

  // Keys added with a delay that has not passed yet.
  std::size_t delayed_len() const {
    auto lock = base::lock_spinning_first(mu_);
    return waiting_.size();
  }

  // Publishes the workqueue_* metrics recorded since the last call (queue_metrics.hpp), with
  // workqueue_unfinished_work_seconds and workqueue_longest_running_processor_seconds as of now.
  // client-go refreshes the last two every 500 ms; steward calls this before each metrics scrape.
  void update_metrics() {
    auto lock = base::lock_spinning_first(mu_);
    if (!metrics_) return;
    const InFlight work = in_flight();
    metrics_->publish(seconds(work.total), seconds(work.longest));
  }

  // How long the key processed longest so far has been in flight (zero when none is): a worker
  // stuck on one key shows here (the daemon's /healthz).
  Clock::duration longest_processing() const {
    auto lock = base::lock_spinning_first(mu_);
    return in_flight().longest;
  }

 private:
  // A key that is queued (dirty, not processing), in flight (processing) or both (re-added while in
  // flight: it goes back to the queue on done()). Keys in neither state are erased.
  struct Item {
    bool dirty = false;
    bool processing = false;
    Clock::time_point added_at{};
    Clock::time_point started_at{};
  };
  using Items = std::unordered_map<Key, Item, Hash>;
  // Nodes of an unordered_map keep their address across rehashing, so the FIFO holds pointers to
  // them: get() needs no second lookup and no copy of the key.
  using Node = typename Items::value_type;

  struct Delayed {
    Clock::time_point ready_at;
    Key key;
    bool operator>(const Delayed& other) const { return ready_at > other.ready_at; }
  };

  using NodeHandle = typename Items::node_type;

  // A detached map node holding `key` and a fresh Item: a spare one if there is one (assigning the
  // key reuses the spare's string buffers), else a new one made in scratch_. Caller holds mu_.
  NodeHandle node_for_locked(const Key& key) {
    if (spare_.empty()) return scratch_.extract(scratch_.try_emplace(key).first);
    NodeHandle node = std::move(spare_.back());
    spare_.pop_back();
    node.key() = key;
    node.mapped() = Item{};
    return node;
  }

  // Keeps a node that left the map for a later add(), up to kMaxSpare of them; frees the rest.
  // Caller holds mu_.
  void keep_spare_locked(NodeHandle&& node) {
    if (spare_.size() < kMaxSpare) spare_.push_back(std::move(node));
  }

  static double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

  struct InFlight {
    Clock::duration total{};    // summed over the keys in flight
    Clock::duration longest{};  // of the oldest one
  };
  InFlight in_flight() const {  // caller holds mu_
    const auto now = clock_.now();
    InFlight out;
    for (const auto& [key, item] : items_) {
      if (!item.processing) continue;
      const auto age = now - item.started_at;
      out.total += age;
      out.longest = std::max(out.longest, age);
    }
    return out;
  }

  // Tracks `key` as dirty and queues it unless it is already dirty or being processed.
  void add_locked(const Key& key, Clock::time_point now) {
    if (shutting_down_) return;
    auto inserted = items_.insert(node_for_locked(key));
    if (!inserted.inserted) keep_spare_locked(std::move(inserted.node));
    const auto it = inserted.position;
    Item& item = it->second;
    if (item.dirty) return;  // de-duplicated: not an add
    item.dirty = true;
    item.added_at = now;
    if (metrics_) metrics_->added();
    if (item.processing) return;  // done() queues it
    push_locked(&*it);
  }

  void push_locked(Node* node) {
    queue_.push_back(node);
    if (idle_workers_ > 0) cv_.notify_one();
  }

  // Hands out the key at the front of the queue and releases `lock`. The key is copied after the
  // lock is released: its node stays put until this worker's done().
  Key start(Clock::time_point now, std::unique_lock<std::mutex>& lock) {
    Node* node = queue_.front();
    queue_.pop_front();
    Item& item = node->second;
    item.dirty = false;
    item.processing = true;
    item.started_at = now;
    ++processing_;
    if (metrics_) metrics_->started(seconds(now - item.added_at));
    lock.unlock();
    return node->first;
  }

  void promote_due_locked(Clock::time_point now) {
    while (!delayed_.empty() && delayed_.top().ready_at <= now) {
      auto it = waiting_.find(delayed_.top().key);
      // A stale entry: the key was re-scheduled earlier and has already been promoted.
      if (it != waiting_.end() && it->second == delayed_.top().ready_at) {
        waiting_.erase(it);
        add_locked(delayed_.top().key, now);
      }
      delayed_.pop();
    }
  }

  void shutdown_locked() {
    shutting_down_ = true;
    waiting_.clear();
    delayed_ = {};
    cv_.notify_all();
  }

  const Clock& clock_;

  mutable std::mutex mu_;               // guards everything below
  // Set once by the constructor (null when metrics are off); records only under mu_.
  std::unique_ptr<QueueMetrics> metrics_;
  std::condition_variable cv_;          // a key became ready, a deadline moved, or shutdown
  std::condition_variable drained_cv_;  // processing_ reached zero while draining
  Items items_;
  std::deque<Node*> queue_;  // ready keys, FIFO; every node here is dirty and not processing
  std::unordered_map<Key, Clock::time_point, Hash> waiting_;  // delayed key -> earliest ready time
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayed_;  // by ready time
  // Nodes of keys that left the map, reused by add(). Producers allocating and workers freeing is
  // glibc malloc's slow case (each free goes back to the allocating thread's arena under its lock),
  // and a map node plus its key's string was two of those per key.
  std::vector<NodeHandle> spare_;
  // Enough for a producer's burst while the workers are off the CPU (the bench's window is 4,096);
  // about 100 KiB per queue for keys of 30 bytes.
  static constexpr std::size_t kMaxSpare = 1024;
  // Always empty: node_for_locked() makes nodes in it. A map's first insert allocates its bucket
  // array, so one kept for good saves that allocation (and its free) per new node.
  Items scratch_;
  std::size_t processing_ = 0;
  int idle_workers_ = 0;  // workers parked in get(); adds notify only when someone is waiting
  bool shutting_down_ = false;
  bool draining_ = false;
};

}  // namespace steward::queue
