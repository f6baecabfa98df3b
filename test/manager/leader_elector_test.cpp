// The leader elector's state machine against an in-memory Lease with optimistic concurrency, on a
// FakeClock: every wait is a clock advance, no test sleeps.
#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "manager/leader_elector.hpp"
#include "manager/lease_lock.hpp"
#include "support/async.hpp"

using namespace steward;
using namespace std::chrono_literals;
using manager::LeaderElectionRecord;
using manager::LeaderElector;
using State = manager::LeaderElector::State;

namespace {

// The API server's side: one Lease and its resourceVersion.
struct FakeLeaseServer {
  std::optional<LeaderElectionRecord> lease;
  int version = 0;
  int calls = 0;
  // While set, every call fails with it (the server is unreachable or failing).
  std::optional<kube::ApiError> fail;
  // Runs once, just before the next write is checked: another candidate writes first.
  std::function<void()> before_write;

  // Someone else writes the Lease.
  void write(LeaderElectionRecord record) {
    lease = std::move(record);
    ++version;
  }
  void race() {
    if (auto hook = std::exchange(before_write, nullptr)) hook();
  }
};

// One candidate's view: remembers the version it last read or wrote, as KubeLeaseLock does.
class MemoryLeaseLock final : public manager::LeaseLock {
 public:
  explicit MemoryLeaseLock(FakeLeaseServer& server) : server_(server) {}

  boost::asio::awaitable<manager::LeaseRead> get() override {
    ++server_.calls;
    if (server_.fail) co_return manager::LeaseRead{server_.fail, {}};
    if (!server_.lease) co_return manager::LeaseRead{error(404, "GET"), {}};
    seen_ = server_.version;
    co_return manager::LeaseRead{std::nullopt, *server_.lease};
  }
  boost::asio::awaitable<std::optional<kube::ApiError>> create(
      LeaderElectionRecord record) override {
    ++server_.calls;
    if (server_.fail) co_return server_.fail;
    server_.race();
    if (server_.lease) co_return error(409, "POST");  // AlreadyExists
    server_.write(std::move(record));
    seen_ = server_.version;
    co_return std::nullopt;
  }
  boost::asio::awaitable<std::optional<kube::ApiError>> update(
      LeaderElectionRecord record) override {
    ++server_.calls;
    if (server_.fail) co_return server_.fail;
    server_.race();
    if (!server_.lease) co_return error(404, "PUT");
    if (seen_ != server_.version) co_return error(409, "PUT");  // Conflict: a stale version
    server_.write(std::move(record));
    seen_ = server_.version;
    co_return std::nullopt;
  }
  std::string describe() const override { return "default/steward"; }

  static kube::ApiError error(int code, std::string_view method) {
    return kube::ApiError::from_response(code, "", std::nullopt, method);
  }

 private:
  FakeLeaseServer& server_;
  int seen_ = -1;
};

// A candidate and what its callbacks saw.
struct Candidate {
  MemoryLeaseLock lock;
  int started = 0;
  int stopped = 0;
  std::vector<std::string> leaders;
  std::function<void()> on_stopped;  // extra check run inside on_stopped_leading
  LeaderElector elector;

  Candidate(boost::asio::io_context& io, FakeLeaseServer& server, manager::LeaderElectorOptions o)
      : lock(server), elector(io, lock, with_callbacks(std::move(o))) {}

  manager::LeaderElectorOptions with_callbacks(manager::LeaderElectorOptions o) {
    o.on_started_leading = [this] { ++started; };
    o.on_stopped_leading = [this] {
      ++stopped;
      if (on_stopped) on_stopped();
    };
    o.on_new_leader = [this](const std::string& identity) { leaders.push_back(identity); };
    return o;
  }
};

struct Fixture {
  base::FakeClock clock;
  FakeLeaseServer server;
  test::Loop loop;

  // Wall time moves with the fake clock, so acquireTime and renewTime are predictable.
  std::chrono::system_clock::time_point wall() const {
    return std::chrono::system_clock::time_point{} +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(
               clock.now().time_since_epoch());
  }
  std::string stamp() const { return manager::format_micro_time(wall()); }

  std::unique_ptr<Candidate> candidate(const std::string& identity,
                                       prometheus::Registry* registry = nullptr) {
    manager::LeaderElectorOptions options;
    options.identity = identity;
    options.jitter = 0;
    options.clock = &clock;
    options.wall_clock = [this] { return wall(); };
    options.registry = registry;
    return std::make_unique<Candidate>(loop.io, server, std::move(options));
  }

  base::Clock::time_point step(Candidate& c) { return loop.sync(c.elector.step()); }
  bool release(Candidate& c) { return loop.sync(c.elector.release_lease()); }
};

double master_status(prometheus::Registry& registry) {
  for (const auto& family : registry.Collect()) {
    if (family.name != "leader_election_master_status") continue;
    for (const auto& metric : family.metric) {
      if (metric.label.size() == 1 && metric.label[0].name == "name" &&
          metric.label[0].value == "steward") {
        return metric.gauge.value;
      }
    }
  }
  return -1;
}

}  // namespace

TEST_CASE("acquires a free lease: creates it with its identity, the lease duration and the times") {
  Fixture f;
  prometheus::Registry registry;
  auto a = f.candidate("a", &registry);
  CHECK(a->elector.state() == State::candidate);
  CHECK(master_status(registry) == 0);

  const auto next = f.step(*a);
  CHECK(a->elector.state() == State::leading);
  CHECK(a->started == 1);
  CHECK(a->leaders == std::vector<std::string>{"a"});
  CHECK(a->elector.leader() == "a");
  CHECK(master_status(registry) == 1);
  CHECK(next == f.clock.now() + 2s);  // renews every retry period
  REQUIRE(f.server.lease);
  CHECK(f.server.lease->holder_identity == "a");
  CHECK(f.server.lease->lease_duration_seconds == 15);
  CHECK(f.server.lease->acquire_time == f.stamp());
  CHECK(f.server.lease->renew_time == f.stamp());
  CHECK(f.server.lease->lease_transitions == 0);
}

TEST_CASE("waits on a lease another holder keeps renewing, however long it takes") {
  Fixture f;
  auto a = f.candidate("a");
  auto b = f.candidate("b");
  f.step(*a);
  const auto next = f.step(*b);
  CHECK(b->elector.state() == State::candidate);
  CHECK(next == f.clock.now() + 2s);
  for (int i = 0; i < 20; ++i) {  // 40 s: well past the lease duration, but renewed throughout
    f.clock.advance(2s);
    f.step(*a);
    f.step(*b);
  }
  CHECK(a->elector.state() == State::leading);
  CHECK(b->elector.state() == State::candidate);
  CHECK(b->started == 0);
  CHECK(b->leaders == std::vector<std::string>{"a"});  // reported once, not on every renewal
  CHECK(f.server.lease->holder_identity == "a");
}

TEST_CASE("takes over an expired lease one lease duration after it last saw the record change") {
  Fixture f;
  auto a = f.candidate("a");
  auto b = f.candidate("b");
  f.step(*a);  // a leads, then stops renewing (it died)
  f.step(*b);  // b sees the record now
  f.clock.advance(14s);
  f.step(*b);
  CHECK(b->elector.state() == State::candidate);
  f.clock.advance(1s);
  f.step(*b);
  CHECK(b->elector.state() == State::leading);
  CHECK(b->started == 1);
  CHECK(b->leaders == std::vector<std::string>{"a", "b"});
  CHECK(f.server.lease->holder_identity == "b");
  CHECK(f.server.lease->acquire_time == f.stamp());
  CHECK(f.server.lease->lease_transitions == 1);
}

TEST_CASE("judges expiry by when it saw the record change, never by the renewTime in it") {
  Fixture f;
  // Another machine's clock is far behind: its renewTime looks ancient, yet it holds the lease.
  f.server.write({.holder_identity = "other",
                  .lease_duration_seconds = 15,
                  .acquire_time = "2000-01-01T00:00:00.000000Z",
                  .renew_time = "2000-01-01T00:00:00.000000Z",
                  .lease_transitions = 3});
  auto a = f.candidate("a");
  f.step(*a);
  CHECK(a->elector.state() == State::candidate);
  f.clock.advance(10s);
  // The holder renews (with its odd clock): the lease is valid for 15 s from now.
  f.server.write({.holder_identity = "other",
                  .lease_duration_seconds = 15,
                  .acquire_time = "2000-01-01T00:00:00.000000Z",
                  .renew_time = "2000-01-01T00:00:10.000000Z",
                  .lease_transitions = 3});
  f.step(*a);
  f.clock.advance(14s);
  f.step(*a);
  CHECK(a->elector.state() == State::candidate);
  f.clock.advance(1s);
  f.step(*a);
  CHECK(a->elector.state() == State::leading);
  CHECK(f.server.lease->lease_transitions == 4);
}

TEST_CASE("a 409 Conflict on update means another candidate won the race") {
  Fixture f;
  f.server.write({.holder_identity = "", .lease_duration_seconds = 1, .lease_transitions = 2});
  auto a = f.candidate("a");
  f.server.before_write = [&] {
    f.server.write({.holder_identity = "c", .lease_duration_seconds = 15, .lease_transitions = 3});
  };
  const auto next = f.step(*a);
  CHECK(a->elector.state() == State::candidate);
  CHECK(a->started == 0);
  CHECK(next == f.clock.now() + 2s);
  CHECK(f.server.lease->holder_identity == "c");
  // Next attempt: the winner's lease is valid, so a waits instead of writing.
  f.clock.advance(2s);
  const int calls = f.server.calls;
  f.step(*a);
  CHECK(a->elector.state() == State::candidate);
  CHECK(f.server.calls == calls + 1);  // one GET, no write
  CHECK(a->leaders == std::vector<std::string>{"c"});
}

TEST_CASE("a 409 AlreadyExists on create means another candidate created the lease first") {
  Fixture f;
  auto a = f.candidate("a");
  f.server.before_write = [&] {
    f.server.write({.holder_identity = "c", .lease_duration_seconds = 15});
  };
  f.step(*a);
  CHECK(a->elector.state() == State::candidate);
  CHECK(a->started == 0);
  CHECK(f.server.lease->holder_identity == "c");
}

TEST_CASE("loses leadership when no renewal succeeds within the renew deadline") {
  Fixture f;
  prometheus::Registry registry;
  auto a = f.candidate("a", &registry);
  f.step(*a);
  f.server.fail = kube::ApiError::from_response(503, "", std::nullopt, "PUT");
  for (int i = 0; i < 4; ++i) {  // 8 s of failed renewals: still within the 10 s deadline
    f.clock.advance(2s);
    f.step(*a);
    CHECK(a->elector.state() == State::leading);
  }
  CHECK(a->stopped == 0);
  f.clock.advance(2s);
  f.step(*a);
  CHECK(a->elector.state() == State::lost);
  CHECK(a->stopped == 1);
  CHECK(master_status(registry) == 0);
  // Lost is terminal: no more requests, and no release of a lease that is not ours.
  const int calls = f.server.calls;
  f.server.fail.reset();
  f.clock.advance(2s);
  f.step(*a);
  CHECK(f.release(*a));
  CHECK(f.server.calls == calls);
  CHECK(a->elector.state() == State::lost);
  CHECK(a->stopped == 1);
}

TEST_CASE("the renew deadline ends leadership even while a renewal is stuck in a request") {
  Fixture f;
  auto a = f.candidate("a");
  f.step(*a);
  f.clock.advance(9s);
  a->elector.check_renew_deadline();
  CHECK(a->elector.state() == State::leading);
  f.clock.advance(1s);
  a->elector.check_renew_deadline();
  CHECK(a->elector.state() == State::lost);
  CHECK(a->stopped == 1);
}

TEST_CASE("renewals succeed on the fast path and keep acquireTime and the transition count") {
  Fixture f;
  auto a = f.candidate("a");
  f.step(*a);
  const std::string acquired = f.stamp();
  for (int i = 0; i < 3; ++i) {
    f.clock.advance(2s);
    const int calls = f.server.calls;
    f.step(*a);
    CHECK(f.server.calls == calls + 1);  // one PUT, no GET
  }
  CHECK(a->elector.state() == State::leading);
  CHECK(f.server.lease->acquire_time == acquired);
  CHECK(f.server.lease->renew_time == f.stamp());
  CHECK(f.server.lease->lease_transitions == 0);
  CHECK(a->started == 1);
}

TEST_CASE("leadership ends at once when the lease shows another holder") {
  Fixture f;
  auto a = f.candidate("a");
  f.step(*a);
  f.server.write({.holder_identity = "c", .lease_duration_seconds = 15, .lease_transitions = 1});
  f.clock.advance(2s);
  f.step(*a);  // the fast-path PUT gets 409; the GET shows c
  CHECK(a->elector.state() == State::lost);
  CHECK(a->stopped == 1);
  CHECK(f.server.lease->holder_identity == "c");
}

TEST_CASE("release stops writes first, then clears the holder so a successor need not wait") {
  Fixture f;
  auto a = f.candidate("a");
  auto b = f.candidate("b");
  f.step(*a);
  f.step(*b);
  std::string holder_when_stopped;
  a->on_stopped = [&] { holder_when_stopped = f.server.lease->holder_identity; };
  CHECK(f.release(*a));
  CHECK(a->elector.state() == State::released);
  CHECK(a->stopped == 1);
  CHECK(holder_when_stopped == "a");
  CHECK(f.server.lease->holder_identity.empty());
  CHECK(f.server.lease->lease_duration_seconds == 1);
  CHECK(f.server.lease->lease_transitions == 0);
  // b's next attempt takes it: no lease duration to wait out.
  f.clock.advance(2s);
  f.step(*b);
  CHECK(b->elector.state() == State::leading);
  CHECK(f.server.lease->holder_identity == "b");
  CHECK(f.server.lease->lease_duration_seconds == 15);
}

TEST_CASE("release while a candidate writes nothing") {
  Fixture f;
  auto a = f.candidate("a");
  auto b = f.candidate("b");
  f.step(*a);
  f.step(*b);
  const int calls = f.server.calls;
  CHECK(f.release(*b));
  CHECK(b->elector.state() == State::stopped);
  CHECK(b->stopped == 0);
  CHECK(f.server.calls == calls);
  CHECK(f.server.lease->holder_identity == "a");
}

TEST_CASE("counts leaseTransitions each time the holder changes, not on renewals") {
  Fixture f;
  auto a = f.candidate("a");
  auto b = f.candidate("b");
  auto c = f.candidate("c");
  f.step(*a);
  f.clock.advance(2s);
  f.step(*a);
  CHECK(f.server.lease->lease_transitions == 0);
  f.release(*a);
  CHECK(f.server.lease->lease_transitions == 0);
  f.step(*b);
  CHECK(f.server.lease->lease_transitions == 1);
  f.clock.advance(2s);
  f.step(*b);
  f.release(*b);
  f.step(*c);
  CHECK(c->elector.state() == State::leading);
  CHECK(f.server.lease->lease_transitions == 2);
}

TEST_CASE("the default identity is the host name and a random suffix") {
  const std::string one = manager::default_identity();
  const std::string two = manager::default_identity();
  CHECK(one != two);
  const auto underscore = one.rfind('_');
  REQUIRE(underscore != std::string::npos);
  CHECK(one.size() - underscore - 1 == 16);
  CHECK(one.substr(0, underscore) == two.substr(0, two.rfind('_')));
}

TEST_CASE("times are written as Kubernetes MicroTime") {
  using std::chrono::system_clock;
  const system_clock::time_point epoch{};
  CHECK(manager::format_micro_time(epoch + std::chrono::microseconds(1'000'001)) ==
        "1970-01-01T00:00:01.000001Z");
  CHECK(manager::format_micro_time(epoch + std::chrono::seconds(1136214245)) ==
        "2006-01-02T15:04:05.000000Z");
}

TEST_CASE("a Lease write is named by the holder before and after it: acquire, renew, takeover, release") {
  CHECK(manager::lease_write_action("", "a") == "acquire");
  CHECK(manager::lease_write_action("a", "a") == "renew");
  CHECK(manager::lease_write_action("b", "a") == "takeover");
  CHECK(manager::lease_write_action("a", "") == "release");
}
