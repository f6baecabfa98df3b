// The status book (reconcile/status_book.hpp): what each desired object's last reconcile and
// health add up to per source, for /status, --wait, dependsOn and steward_source_health.
#include <catch2/catch.hpp>

#include "kube/object.hpp"
#include "reconcile/status_book.hpp"

using namespace steward;
using health::Status;
using reconcile::Result;
using reconcile::SyncState;

namespace {

desired::DesiredObjectPtr config_map(const std::string& name, const std::string& source) {
  return std::make_shared<desired::DesiredObject>(
      desired::DesiredObject{.object = kube::parse_object(R"({"kind":"ConfigMap"})"),
                             .key = {"", "ConfigMap", "team", name},
                             .source = source});
}

reconcile::Reconciled done(Result result, std::string detail = "") {
  return {.outcome = {.result = result, .detail = std::move(detail)}};
}

health::Health current() { return {Status::Current, "", "all good"}; }

const auto kT0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));

}  // namespace

TEST_CASE("status book: a source is ready once every object is in sync and Current") {
  const auto a = config_map("a", "apps");
  const auto b = config_map("b", "apps");
  const desired::DesiredState state({{"apps", {a, b}}});
  reconcile::StatusBook book;

  // Nothing reconciled yet: both pending, health not known, not ready.
  auto apps = book.source(state, "apps");
  CHECK(apps.objects == 2);
  CHECK(apps.by_sync == std::map<SyncState, std::size_t>{{SyncState::kPending, 2}});
  CHECK(apps.health == Status::Unknown);
  CHECK_FALSE(apps.ready);
  CHECK_FALSE(apps.last_applied);
  CHECK_FALSE(book.ready("apps", 2));

  book.record(a->key, "apps", done(Result::kCreated), false, current(), kT0);
  book.record(b->key, "apps", done(Result::kCreated), false,
              {Status::InProgress, "LessReplicas", "Replicas: 0/1"}, kT0);
  apps = book.source(state, "apps");
  CHECK(apps.by_sync == std::map<SyncState, std::size_t>{{SyncState::kInSync, 2}});
  CHECK(apps.by_health ==
        std::map<Status, std::size_t>{{Status::Current, 1}, {Status::InProgress, 1}});
  CHECK(apps.health == Status::InProgress);
  CHECK_FALSE(apps.ready);
  CHECK_FALSE(book.ready("apps", 2));
  REQUIRE(apps.attention.size() == 1);
  CHECK(apps.attention[0].key.name == "b");
  CHECK(apps.attention[0].health.reason == "LessReplicas");
  CHECK(apps.last_applied == kT0);

  book.record(b->key, "apps", done(Result::kInSync), false, current(), kT0 + std::chrono::seconds(5));
  apps = book.source(state, "apps");
  CHECK(apps.ready);
  CHECK(book.ready("apps", 2));
  CHECK(apps.attention.empty());
  CHECK(apps.last_applied == kT0 + std::chrono::seconds(5));
  // A third object of the source that the book has not seen yet: not ready.
  CHECK_FALSE(book.ready("apps", 3));
}

TEST_CASE("status book: a failing object holds last-applied and names its error, a Failed one the source's health") {
  const auto a = config_map("a", "apps");
  const auto b = config_map("b", "apps");
  const desired::DesiredState state({{"apps", {a, b}}});
  reconcile::StatusBook book;
  book.record(a->key, "apps", done(Result::kInSync), false, current(), kT0);
  book.record(b->key, "apps", done(Result::kPermanentError, "apply: 422 Invalid"), false,
              {Status::NotFound, "NotFound", "not in the cluster"}, kT0);
  // While b fails, a's successes do not move last-applied: "in sync" is not fresh.
  book.record(a->key, "apps", done(Result::kInSync), false, current(), kT0 + std::chrono::minutes(1));
  auto apps = book.source(state, "apps");
  CHECK(apps.last_applied == kT0);
  CHECK(apps.by_sync.at(SyncState::kFailing) == 1);
  REQUIRE(apps.attention.size() == 1);
  CHECK(apps.attention[0].detail == "apply: 422 Invalid");
  CHECK(apps.health == Status::NotFound);

  book.record(b->key, "apps", done(Result::kInSync), false,
              {Status::Failed, "ProgressDeadlineExceeded", "x"}, kT0 + std::chrono::minutes(2));
  apps = book.source(state, "apps");
  CHECK(apps.health == Status::Failed);
  CHECK(apps.last_applied == kT0 + std::chrono::minutes(2));
  CHECK(apps.attention[0].detail.empty());  // no longer failing
}

TEST_CASE("status book: a dry run's creates and corrections are drift, not sync") {
  const auto a = config_map("a", "apps");
  const desired::DesiredState state({{"apps", {a}}});
  reconcile::StatusBook book;
  book.record(a->key, "apps", done(Result::kCorrected), true, current(), kT0);
  const auto apps = book.source(state, "apps");
  CHECK(apps.by_sync == std::map<SyncState, std::size_t>{{SyncState::kDrifted, 1}});
  CHECK_FALSE(apps.ready);
  CHECK_FALSE(book.ready("apps", 1));
}

TEST_CASE("status book: forgotten keys leave the counts, and the attention list is capped") {
  std::vector<desired::DesiredObjectPtr> objects;
  for (int i = 0; i < 5; ++i) objects.push_back(config_map("o" + std::to_string(i), "apps"));
  const desired::DesiredState state({{"apps", objects}});
  reconcile::StatusBook book;
  for (const auto& object : objects) {
    book.record(object->key, "apps", done(Result::kTransientError, "network"), false,
                {Status::NotFound, "NotFound", ""}, kT0);
  }
  const auto capped = book.source(state, "apps", 2);
  CHECK(capped.attention.size() == 2);
  CHECK(capped.by_sync.at(SyncState::kFailing) == 5);
  // The failing ones go: the one left succeeds and moves last-applied again.
  book.forget({objects[0]->key, objects[1]->key, objects[2]->key, objects[3]->key});
  book.record(objects[4]->key, "apps", done(Result::kInSync), false, current(), kT0);
  CHECK(book.source(state, "apps").last_applied == kT0);
  CHECK(book.ready("apps", 1));
}
