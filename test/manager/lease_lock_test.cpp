// KubeLeaseLock against steward-testapi over real sockets, and two electors campaigning through it
// on their own timers (start/stop/release as the daemon runs them).
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>

#include "kube/client.hpp"
#include "kube/kubeconfig.hpp"
#include "manager/leader_elector.hpp"
#include "manager/lease_lock.hpp"
#include "support/async.hpp"
#include "support/testapi_process.hpp"

using namespace steward;
using namespace std::chrono_literals;
using manager::LeaderElectionRecord;

namespace {

struct Env {
  test::TestApiServer server;
  test::Loop loop;
  std::unique_ptr<kube::Client> client;

  Env() {
    kube::KubeconfigOptions options;
    options.explicit_path = server.kubeconfig();
    client = std::make_unique<kube::Client>(loop.io, kube::load_kubeconfig(options));
  }
};

LeaderElectionRecord held_by(const std::string& identity, int transitions = 0) {
  return {.holder_identity = identity,
          .lease_duration_seconds = 15,
          .acquire_time = "2026-11-25T10:00:00.000000Z",
          .renew_time = "2026-11-25T10:00:00.000000Z",
          .lease_transitions = transitions};
}

}  // namespace

TEST_CASE("the Lease lock creates, reads and updates with optimistic concurrency") {
  Env env;
  manager::KubeLeaseLock a(*env.client, "default", "lock-test");
  manager::KubeLeaseLock b(*env.client, "default", "lock-test");

  const auto absent = env.loop.sync(a.get());
  REQUIRE(absent.error);
  CHECK(absent.error->is_not_found());

  CHECK_FALSE(env.loop.sync(a.create(held_by("a"))));
  const auto again = env.loop.sync(b.create(held_by("b")));
  REQUIRE(again);
  CHECK(again->is_already_exists());

  const auto read = env.loop.sync(b.get());
  REQUIRE(read.ok());
  CHECK(read.record == held_by("a"));

  // a renews on top of its own version; b's version is now stale. (An update that changes
  // nothing keeps the resourceVersion, on a real kube-apiserver too.)
  LeaderElectionRecord renewed = held_by("a");
  renewed.renew_time = "2026-11-25T10:00:02.000000Z";
  CHECK_FALSE(env.loop.sync(a.update(renewed)));
  const auto stale = env.loop.sync(b.update(held_by("b", 1)));
  REQUIRE(stale);
  CHECK(stale->is_conflict());

  // Released: an empty holder is written as "", not left out.
  CHECK_FALSE(env.loop.sync(a.update({.holder_identity = "",
                                      .lease_duration_seconds = 1,
                                      .renew_time = "2026-11-25T10:00:01.000000Z"})));
  const auto released = env.loop.sync(b.get());
  REQUIRE(released.ok());
  CHECK(released.record.holder_identity.empty());
  CHECK(released.record.lease_duration_seconds == 1);
  CHECK(released.record.acquire_time.empty());
}

TEST_CASE("two electors on their own timers: one leads, and release hands over at once") {
  Env env;
  struct Campaign {
    manager::KubeLeaseLock lock;
    std::atomic<int> started{0};
    std::atomic<int> stopped{0};
    manager::LeaderElector elector;
    Campaign(Env& env, const std::string& identity)
        : lock(*env.client, "default", "campaign"),
          elector(env.loop.io, lock,
                  {.identity = identity,
                   .lease_duration = 2s,
                   .renew_deadline = 1s,
                   .retry_period = 100ms,
                   .on_started_leading = [this] { ++started; },
                   .on_stopped_leading = [this] { ++stopped; }}) {}
  };
  Campaign a(env, "a");
  auto a_done = a.elector.start();
  REQUIRE(test::eventually([&] { return a.elector.leading(); }));
  Campaign b(env, "b");
  auto b_done = b.elector.start();
  REQUIRE(test::eventually([&] { return b.elector.leader() == "a"; }));
  CHECK_FALSE(b.elector.leading());

  // Shutdown as the daemon does it: end the campaign, then release.
  a.elector.stop();
  a_done.get();
  CHECK(a.elector.leading());  // stopping the campaign alone keeps the lease
  CHECK(a.elector.release().get());
  CHECK(a.stopped == 1);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(test::eventually([&] { return b.elector.leading(); }));
  // Well within the 2 s lease duration: b did not wait for expiry.
  CHECK(std::chrono::steady_clock::now() - start < 1500ms);
  CHECK(b.started == 1);

  b.elector.stop();
  b_done.get();
  CHECK(b.elector.release().get());
  CHECK(b.elector.state() == manager::LeaderElector::State::released);
}
