#include "reconcile/runner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <algorithm>

#include "observe/log.hpp"
#include "reconcile/reconcile_log.hpp"

namespace steward::reconcile {
namespace {

const observe::Logger kLog{"controller"};

}  // namespace

Runner::Runner(boost::asio::io_context& io, RunnerOptions options, Hooks hooks)
    : io_(io),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      queue_(queue::WorkQueueOptions{.name = "steward", .registry = options_.registry},
             queue::default_controller_rate_limiter<desired::ObjectKey, desired::ObjectKeyHash>(
                 base::SteadyClock::instance(), options_.backoff, options_.bucket)),
      waits_(options_.backoff),
      target_workers_(std::max(1, options_.workers)) {}

Runner::~Runner() { stop(); }

void Runner::start() {
  std::lock_guard lock(mu_);
  if (stopped_ || !workers_.empty()) return;
  for (int i = 0; i < target_workers_; ++i) workers_.emplace_back([this] { worker(); });
}

void Runner::set_workers(int workers) {
  workers = std::max(1, workers);
  std::lock_guard lock(mu_);
  const int running = target_workers_;
  target_workers_ = workers;
  if (workers_.empty()) return;  // not started yet (a follower): start() uses the target
  if (workers > running) {
    int more = workers - running;
    // Workers still due to leave stay instead, before any thread is started.
    for (int due = surplus_.load(); more > 0 && due > 0; due = surplus_.load()) {
      if (surplus_.compare_exchange_weak(due, due - 1)) --more;
    }
    for (; more > 0 && !stopped_; --more) workers_.emplace_back([this] { worker(); });
  } else {
    surplus_ += running - workers;
  }
  kLog.info("reconcile workers", {{"workers", std::to_string(workers)}});
}

void Runner::stop() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  // In-flight reconciles finish (their I/O still runs); queued keys are dropped: the next start
  // lists and reconciles everything again.
  queue_.shutdown();
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (auto& worker : workers) worker.join();
}

void Runner::worker() {
  // Leaves after a key when the pool has shrunk (set_workers).
  const auto leaving = [this] {
    for (int due = surplus_.load(); due > 0; due = surplus_.load()) {
      if (surplus_.compare_exchange_weak(due, due - 1)) return true;
    }
    return false;
  };
  while (!leaving()) {
    auto key = queue_.get();
    if (!key) return;
    if (queue_.shutting_down()) {
      // stop(): the queue would still hand out every queued key (client-go's semantics), and a
      // burst of hundreds, throttled, outlasts any shutdown deadline. Only reconciles already
      // running finish; the next start reconciles everything again anyway.
      queue_.done(*key);
      return;
    }
    Reconciled done;
    const std::string reconcile_id = next_reconcile_id();
    try {
      done = boost::asio::co_spawn(io_, hooks_.reconcile(*key, reconcile_id),
                                   boost::asio::use_future)
                 .get();
    } catch (const std::exception& e) {
      done.outcome = {Result::kTransientError, std::string("reconcile failed: ") + e.what()};
      done.telemetry.resource = hooks_.resource(*key);
      done.telemetry.reconcile_id = reconcile_id;
    }
    requeue(*key, done);
    if (hooks_.finished) hooks_.finished(*key, done);
    queue_.done(*key);
  }
}

void Runner::requeue(const desired::ObjectKey& key, const Reconciled& done) {
  const Outcome& outcome = done.outcome;
  // Built only for a line: an in-sync key (the common case) logs nothing.
  const auto log = [&] {
    return reconcile_logger(key, done.telemetry.resource, done.telemetry.reconcile_id);
  };
  if (outcome.result != Result::kWaiting) waits_.forget(key);
  switch (outcome.result) {
    case Result::kInSync:
      queue_.forget(key);
      break;
    case Result::kCreated:
    case Result::kCorrected:
    case Result::kPruned:
      queue_.forget(key);
      log().info(to_string(outcome.result),
                 {{"detail", outcome.detail}, {"dryRun", done.telemetry.dry_run ? "true" : "false"}});
      break;
    case Result::kWaiting:
      log().debug("waiting", {{"detail", outcome.detail}});
      if (outcome.waits_for_cache) {
        hooks_.park(key);
      } else {
        queue_.add_after(key, waits_.when(key));
      }
      break;
    case Result::kTransientError:
      log().warn("reconcile failed; retrying", {{"error", outcome.detail}});
      if (outcome.retry_in) {
        queue_.add_after(key, *outcome.retry_in);
      } else {
        queue_.add_rate_limited(key);
      }
      break;
    case Result::kPermanentError:
      // Retried only at the slowest backoff: the cause is in the manifest or in permissions, and
      // a hot loop would only hammer the server. A desired change enqueues the key at once.
      log().error("reconcile failed", {{"error", outcome.detail}});
      queue_.add_after(key, options_.backoff.cap);
      if (outcome.waits_for_cache) hooks_.park(key);
      break;
  }
  std::lock_guard lock(mu_);
  if (is_failure(outcome.result)) {
    failing_[key] = outcome;
  } else {
    failing_.erase(key);
  }
}

FailingKeys Runner::failing() const {
  FailingKeys out;
  // The queue's own view, at one moment: a key a worker has taken from get() counts until done().
  out.busy = queue_.busy();
  std::lock_guard lock(mu_);
  out.failing = failing_.size();
  for (const auto& [key, outcome] : failing_) {
    if (outcome.result == Result::kPermanentError) ++out.permanent;
    if (out.lines.size() < 20) {
      out.lines.push_back(key.to_string() + ": " + std::string(to_string(outcome.result)) + ": " +
                          outcome.detail);
    }
  }
  return out;
}

}  // namespace steward::reconcile
