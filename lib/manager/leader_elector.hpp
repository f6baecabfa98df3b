#pragma once
// LeaderElector: one active replica at a time, through a Lease (client-go's
// tools/leaderelection, the semantics controller-runtime managers use).
//
// States, and the one function that moves between them (transition()):
//
//   candidate  Entered at construction. Every retry period (jittered, so candidates that start
//              together do not keep colliding) it reads the Lease: absent -> create it; held by
//              another identity and not expired -> wait; expired or held by nobody -> update it
//              with the resourceVersion read, taking the holder. A 409 (AlreadyExists on create,
//              Conflict on update) means another candidate won the race: wait and try again.
//              -> leading on success.
//   leading    Renews every retry period: first on top of the version it wrote last (one PUT), and
//              on failure by reading the Lease again. on_started_leading ran on entry.
//              -> lost when no renewal succeeded within the renew deadline (a timer enforces it
//              even while a renewal hangs in a request), or at once when the Lease shows another
//              holder (client-go keeps trying until the deadline; steward stops writing as soon
//              as it knows it is not the leader). -> released on shutdown.
//   lost       Terminal: leadership ended without a shutdown. on_stopped_leading ran on entry, so
//              writes stopped at once. Nothing is released: the Lease is not ours.
//   released   Terminal: shutdown while leading. on_stopped_leading ran first, then the Lease was
//              updated with an empty holder and leaseDurationSeconds 1 (client-go's
//              ReleaseOnCancel), so a successor takes over at its next attempt instead of waiting
//              for the lease to expire.
//   stopped    Terminal: shutdown while a candidate.
//
// Expiry is judged as client-go judges it: a lease is valid until leaseDurationSeconds after this
// process last saw the record change (its "observed time", on this process's monotonic clock).
// The renewTime written in the Lease is another machine's wall clock and is never compared with
// ours. So a candidate that starts next to a dead leader's Lease waits one full lease duration.
//
// Threads: start() runs the campaign as a coroutine on a strand of the daemon's io_context (no
// thread of its own); its timers and the callbacks run on that strand, one at a time. Callbacks
// must be quick and must not block. stop() and the accessors may be called from any thread.
// Tests call step(), check_renew_deadline() and release_lease() directly with a FakeClock.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>
#include <random>
#include <string>

#include "base/clock.hpp"
#include "manager/lease_lock.hpp"

namespace boost::asio {
class io_context;
}
namespace prometheus {
class Gauge;
class Registry;
}  // namespace prometheus

namespace steward::manager {

struct LeaderElectorOptions {
  // Who this process is in the Lease's holderIdentity; must be unique among the candidates.
  // Empty: default_identity() (hostname_random, as controller-runtime).
  std::string identity;
  // The Lease, for logs and the metric's `name` label (the lock knows where it is).
  std::string lease_name = "steward";
  // How long others wait, after they last saw the Lease change, before they take it over
  // (client-go: 15 s). Written as whole seconds (at least 1).
  base::Clock::duration lease_duration = std::chrono::seconds(15);
  // How long the leader keeps leading without a successful renewal (client-go: 10 s). Less than
  // lease_duration, so the leader stops writing before anyone else may start.
  base::Clock::duration renew_deadline = std::chrono::seconds(10);
  // Between attempts to acquire or renew (client-go: 2 s).
  base::Clock::duration retry_period = std::chrono::seconds(2);
  // A candidate waits retry_period × (1 + jitter × uniform[0, 1)) between attempts (client-go's
  // JitterFactor 1.2); 0 for exact waits (tests).
  double jitter = 1.2;

  // Called on the elector's strand; each optional.
  std::function<void()> on_started_leading;
  // When leadership ends: lost, or before the Lease is released at shutdown. Stop writing here.
  std::function<void()> on_stopped_leading;
  // When the observed holder changes to a non-empty identity (this process's own included).
  std::function<void(const std::string& identity)> on_new_leader;

  // leader_election_master_status{name=lease_name} goes here when set.
  prometheus::Registry* registry = nullptr;
  const base::Clock* clock = &base::SteadyClock::instance();
  // Wall time for acquireTime and renewTime (informational: expiry never reads them).
  std::function<std::chrono::system_clock::time_point()> wall_clock = [] {
    return std::chrono::system_clock::now();
  };
  std::uint64_t seed = std::random_device{}();
};

// The host name, "_", and 16 random hex digits: unique per process, recognisable per host.
std::string default_identity();

class LeaderElector {
 public:
  enum class State { candidate, leading, lost, released, stopped };

  LeaderElector(boost::asio::io_context& io, LeaseLock& lock, LeaderElectorOptions options);
  // Stops the campaign and waits for its coroutine to return (the io_context must still run).
  // A release() in progress must have finished.
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Campaigns on the elector's strand until stop() or a terminal state. The future is ready once
  // the coroutine has returned (after the request in flight, if any). Call once.
  std::future<void> start();
  // Ends the campaign soon; keeps the lease (see release()). Any thread; idempotent.
  void stop();
  // After the campaign ended: leading -> released (on_stopped_leading, then the Lease's holder is
  // cleared); candidate -> stopped. The future says whether the Lease was left unheld by us (true
  // also when nothing was held).
  std::future<bool> release();

  // One attempt at what the state calls for; returns when the next one is due. start() runs it in
  // a loop on a timer.
  boost::asio::awaitable<base::Clock::time_point> step();
  // leading -> lost when no renewal succeeded within the renew deadline.
  void check_renew_deadline();
  // What release() runs.
  boost::asio::awaitable<bool> release_lease();

  State state() const { return state_.load(); }
  bool leading() const { return state() == State::leading; }
  const std::string& identity() const { return options_.identity; }
  // The holder last seen in the Lease ("" when none or not read yet).
  std::string leader() const;

 private:
  boost::asio::awaitable<void> run();
  // client-go's tryAcquireOrRenew: true when this process holds the Lease afterwards.
  boost::asio::awaitable<bool> try_acquire_or_renew();
  // The outcome of a create or update: true, with the record observed, when it succeeded.
  bool wrote(const std::optional<kube::ApiError>& error, const LeaderElectionRecord& record,
             std::string_view verb);
  void transition(State next, std::string_view why = {});
  // Records what the Lease says. The observed time moves when this process wrote the record, or
  // read one that differs from the last seen.
  void observe(const LeaderElectionRecord& record, bool written);
  bool lease_valid(base::Clock::time_point now) const;
  void report_leader();
  base::Clock::duration candidate_wait();
  int lease_seconds() const;

  LeaseLock& lock_;
  LeaderElectorOptions options_;
  const base::Clock& clock_;
  boost::asio::any_io_executor strand_;
  prometheus::Gauge* gauge_ = nullptr;

  std::mutex run_mu_;  // guards running_
  std::condition_variable run_cv_;
  bool running_ = false;  // start() was called and run() has not returned yet

  std::atomic<State> state_{State::candidate};
  std::atomic<bool> stopping_{false};
  mutable std::mutex cancel_mu_;  // guards cancel_wait_
  // Set while run() runs: cancels its wait (from stop(), on any thread).
  std::function<void()> cancel_wait_;
  // The rest is touched on the strand only (leader_ also from leader(), hence its lock).
  LeaderElectionRecord observed_;
  base::Clock::time_point observed_time_{};
  bool observed_any_ = false;
  // Start of the last successful acquire or renew: the renew deadline counts from here.
  base::Clock::time_point renewed_at_{};
  std::string reported_leader_;
  mutable std::mutex leader_mu_;  // guards leader_
  std::string leader_;
  std::mt19937_64 random_;
};

std::string_view to_string(LeaderElector::State state);

}  // namespace steward::manager
