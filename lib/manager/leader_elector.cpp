#include "manager/leader_elector.hpp"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <climits>
#include <cstdio>
#include <stdexcept>

#include "observe/log.hpp"

namespace steward::manager {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

const observe::Logger kLog{"leader"};

bool allowed(LeaderElector::State from, LeaderElector::State to) {
  using State = LeaderElector::State;
  switch (from) {
    case State::candidate:
      return to == State::leading || to == State::stopped;
    case State::leading:
      return to == State::lost || to == State::released;
    case State::lost:
    case State::released:
    case State::stopped:
      return false;
  }
  return false;
}

// "10s", "1500ms": for log lines.
std::string duration_text(base::Clock::duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

}  // namespace

std::string_view to_string(LeaderElector::State state) {
  switch (state) {
    case LeaderElector::State::candidate:
      return "candidate";
    case LeaderElector::State::leading:
      return "leading";
    case LeaderElector::State::lost:
      return "lost";
    case LeaderElector::State::released:
      return "released";
    case LeaderElector::State::stopped:
      return "stopped";
  }
  return "unknown";
}

std::string default_identity() {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof host, "steward");
  }
  std::random_device random;
  const std::uint64_t suffix = (static_cast<std::uint64_t>(random()) << 32) | random();
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(suffix));
  return std::string(host) + "_" + text;
}

LeaderElector::LeaderElector(asio::io_context& io, LeaseLock& lock, LeaderElectorOptions options)
    : lock_(lock),
      options_(std::move(options)),
      clock_(*options_.clock),
      strand_(asio::make_strand(io)),
      random_(options_.seed) {
  if (options_.identity.empty()) options_.identity = default_identity();
  if (options_.registry != nullptr) {
    gauge_ = &prometheus::BuildGauge()
                  .Name("leader_election_master_status")
                  .Help("Gauge of if the reporting system is master of the relevant lease, 0 "
                        "indicates backup, 1 indicates master. 'name' is the string used to "
                        "identify the lease.")
                  .Register(*options_.registry)
                  .Add({{"name", options_.lease_name}});
    gauge_->Set(0);
  }
}

LeaderElector::~LeaderElector() {
  stop();
  std::unique_lock lock(run_mu_);
  run_cv_.wait(lock, [this] { return !running_; });
}

std::future<void> LeaderElector::start() {
  {
    std::lock_guard lock(run_mu_);
    running_ = true;
  }
  return asio::co_spawn(strand_, run(), asio::use_future);
}

void LeaderElector::stop() {
  stopping_.store(true);
  std::lock_guard lock(cancel_mu_);
  if (cancel_wait_) cancel_wait_();
}

std::future<bool> LeaderElector::release() {
  return asio::co_spawn(strand_, release_lease(), asio::use_future);
}

std::string LeaderElector::leader() const {
  std::lock_guard lock(leader_mu_);
  return leader_;
}

asio::awaitable<void> LeaderElector::run() {
  // The first local, so the last destroyed: once it says so, nothing here touches the elector.
  struct Finished {
    LeaderElector& self;
    ~Finished() {
      std::lock_guard lock(self.run_mu_);
      self.running_ = false;
      self.run_cv_.notify_all();
    }
  } finished{*this};
  const auto executor = co_await asio::this_coro::executor;
  auto wait = std::make_shared<asio::steady_timer>(executor);
  {
    std::lock_guard lock(cancel_mu_);
    // stop() may come from any thread: cancel on the timer's own executor.
    cancel_wait_ = [wait] { asio::post(wait->get_executor(), [wait] { wait->cancel(); }); };
  }
  // The renew deadline's own timer, so that a renewal stuck in a request cannot extend
  // leadership. Re-arming cancels the previous wait, whose handler still runs (with an error):
  // `deadline_waits` counts handlers not yet run, so none outlives this coroutine.
  asio::steady_timer deadline(executor);
  int deadline_waits = 0;
  auto active = [this] {
    return !stopping_.load() && (state_ == State::candidate || state_ == State::leading);
  };
  while (active()) {
    const base::Clock::time_point next = co_await step();
    if (state_ == State::leading) {
      deadline.expires_after(renewed_at_ + options_.renew_deadline - clock_.now());
      ++deadline_waits;
      deadline.async_wait([this, &deadline_waits](const boost::system::error_code& error) {
        --deadline_waits;
        if (!error) check_renew_deadline();
      });
    } else {
      deadline.cancel();
    }
    if (!active()) break;
    wait->expires_after(std::max(base::Clock::duration::zero(), next - clock_.now()));
    co_await wait->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  {
    std::lock_guard lock(cancel_mu_);
    cancel_wait_ = nullptr;
  }
  deadline.cancel();
  while (deadline_waits > 0) co_await asio::post(executor, asio::use_awaitable);
}

asio::awaitable<base::Clock::time_point> LeaderElector::step() {
  const State before = state_;
  if (before != State::candidate && before != State::leading) co_return clock_.now();
  const base::Clock::time_point started = clock_.now();
  const bool held = co_await try_acquire_or_renew();
  // The renew deadline passed while the request ran: what it returned no longer matters.
  if (state_ != before) co_return clock_.now();
  report_leader();
  if (held) {
    renewed_at_ = started;
    if (before == State::candidate) transition(State::leading);
    co_return clock_.now() + options_.retry_period;
  }
  if (before == State::leading) {
    if (!observed_.holder_identity.empty() && observed_.holder_identity != identity()) {
      transition(State::lost, "the lease is held by " + observed_.holder_identity);
    } else {
      check_renew_deadline();
    }
    co_return clock_.now() + options_.retry_period;
  }
  co_return clock_.now() + candidate_wait();
}

void LeaderElector::check_renew_deadline() {
  if (state_ != State::leading) return;
  if (clock_.now() - renewed_at_ < options_.renew_deadline) return;
  transition(State::lost, "no renewal succeeded within the renew deadline (" +
                              duration_text(options_.renew_deadline) + ")");
}

asio::awaitable<bool> LeaderElector::try_acquire_or_renew() {
  const base::Clock::time_point now = clock_.now();
  const std::string stamp = format_micro_time(options_.wall_clock());
  LeaderElectionRecord desired{.holder_identity = identity(),
                               .lease_duration_seconds = lease_seconds(),
                               .acquire_time = stamp,
                               .renew_time = stamp,
                               .lease_transitions = 0};
  const bool was_holder = observed_any_ && observed_.holder_identity == identity();
  // After each request: leadership was lost meanwhile (the deadline timer), or the campaign is
  // ending. Either way the attempt is over; writing on would only delay the shutdown or, for a
  // candidate, take a lease it is about to give up.
  const State before = state_;
  auto interrupted = [&] { return state_ != before || stopping_.load(); };

  // 1. The leader's fast path: one PUT on top of the version it wrote last.
  if (state_ == State::leading && was_holder && lease_valid(now)) {
    desired.acquire_time = observed_.acquire_time;
    desired.lease_transitions = observed_.lease_transitions;
    const auto error = co_await lock_.update(desired);
    if (!error) {
      observe(desired, true);
      co_return true;
    }
    if (interrupted()) co_return false;
    kLog.warn("leader election: renewing failed; reading the lease",
              {{"lease", lock_.describe()}, {"error", error->to_string()}});
  }

  // 2. Read the Lease; create it if there is none.
  const LeaseRead read = co_await lock_.get();
  if (interrupted()) co_return false;
  if (!read.ok()) {
    if (!read.error->is_not_found()) {
      kLog.warn("leader election: reading the lease failed",
                {{"lease", lock_.describe()}, {"error", read.error->to_string()}});
      co_return false;
    }
    // The result in a local first: no temporary may live across a co_await (GCC 12, see
    // kube/client.hpp).
    const auto error = co_await lock_.create(desired);
    co_return wrote(error, desired, "create");
  }

  // 3. Held by someone else and not expired, by when this process saw it change: wait.
  observe(read.record, false);
  const bool holder = read.record.holder_identity == identity();
  if (!read.record.holder_identity.empty() && !holder && lease_valid(now)) co_return false;

  // 4. Expired, free, or ours: take it (or renew it) on top of the version just read.
  if (holder) {
    desired.acquire_time = read.record.acquire_time;
    desired.lease_transitions = read.record.lease_transitions;
  } else {
    desired.lease_transitions = read.record.lease_transitions + 1;
  }
  const auto error = co_await lock_.update(desired);
  co_return wrote(error, desired, "update");
}

bool LeaderElector::wrote(const std::optional<kube::ApiError>& error,
                          const LeaderElectionRecord& record, std::string_view verb) {
  if (!error) {
    observe(record, true);
    return true;
  }
  // 409 (AlreadyExists on create, Conflict on update): another candidate won the race, which is
  // what the optimistic concurrency is for.
  if (error->code() == 409) {
    kLog.debug("leader election: another candidate wrote the lease first",
               {{"lease", lock_.describe()}, {"verb", verb}});
  } else {
    kLog.warn("leader election: writing the lease failed",
              {{"lease", lock_.describe()}, {"verb", verb}, {"error", error->to_string()}});
  }
  return false;
}

asio::awaitable<bool> LeaderElector::release_lease() {
  if (state_ == State::candidate) {
    transition(State::stopped);
    co_return true;
  }
  if (state_ != State::leading) co_return true;
  // Writes stop (on_stopped_leading) before the Lease says anyone else may start.
  transition(State::released);
  const std::string stamp = format_micro_time(options_.wall_clock());
  const LeaderElectionRecord released{.holder_identity = "",
                                      .lease_duration_seconds = 1,
                                      .acquire_time = stamp,
                                      .renew_time = stamp,
                                      .lease_transitions = observed_.lease_transitions};
  const auto error = co_await lock_.update(released);
  if (error) {
    kLog.warn("leader election: releasing the lease failed; it expires on its own",
              {{"lease", lock_.describe()}, {"error", error->to_string()}});
    co_return false;
  }
  observe(released, true);
  kLog.info("leader election: released", {{"lease", lock_.describe()},
                                           {"identity", identity()}});
  co_return true;
}

void LeaderElector::transition(State next, std::string_view why) {
  const State previous = state_.load();
  if (!allowed(previous, next)) {
    throw std::logic_error("leader election: no transition from " +
                           std::string(to_string(previous)) + " to " +
                           std::string(to_string(next)));
  }
  state_.store(next);
  if (gauge_ != nullptr) gauge_->Set(next == State::leading ? 1 : 0);
  const std::string lease = lock_.describe();
  switch (next) {
    case State::leading:
      kLog.info("leader election: became leader",
                {{"lease", lease}, {"identity", identity()}});
      if (options_.on_started_leading) options_.on_started_leading();
      return;
    case State::lost:
      kLog.error("leader election: lost",
                 {{"lease", lease}, {"identity", identity()}, {"reason", why}});
      break;
    case State::released:
      kLog.info("leader election: stepping down for shutdown",
                {{"lease", lease}, {"identity", identity()}});
      break;
    case State::candidate:
    case State::stopped:
      return;
  }
  // Leadership ended (lost or released): writes stop here, before anything else happens.
  if (options_.on_stopped_leading) options_.on_stopped_leading();
}

void LeaderElector::observe(const LeaderElectionRecord& record, bool written) {
  // A record this process wrote is new by definition (client-go sets the observed time after each
  // successful write); a record read counts as new only when it differs from the last one seen.
  if (!written && observed_any_ && record == observed_) return;
  observed_ = record;
  observed_time_ = clock_.now();
  observed_any_ = true;
  std::lock_guard lock(leader_mu_);
  leader_ = record.holder_identity;
}

bool LeaderElector::lease_valid(base::Clock::time_point now) const {
  return observed_any_ &&
         observed_time_ + std::chrono::seconds(observed_.lease_duration_seconds) > now;
}

void LeaderElector::report_leader() {
  const std::string& holder = observed_.holder_identity;
  if (holder == reported_leader_) return;
  reported_leader_ = holder;
  if (holder.empty()) return;
  kLog.info("leader election: new leader",
            {{"lease", lock_.describe()},
             {"leader", holder},
             {"self", holder == identity() ? "true" : "false"}});
  if (options_.on_new_leader) options_.on_new_leader(holder);
}

base::Clock::duration LeaderElector::candidate_wait() {
  if (options_.jitter <= 0) return options_.retry_period;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double factor = 1.0 + options_.jitter * unit(random_);
  return std::chrono::duration_cast<base::Clock::duration>(options_.retry_period * factor);
}

int LeaderElector::lease_seconds() const {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options_.lease_duration);
  return static_cast<int>(std::max<std::chrono::seconds::rep>(1, seconds.count()));
}

}  // namespace steward::manager
