// The lost-events check's rules (test/support/delivery_check.hpp), on versions and deliveries
// written out by hand: what counts as delivered, what a list supersedes, and that a gap in a
// watch is a loss.
#include <catch2/catch.hpp>

#include <atomic>

#include "support/delivery_check.hpp"

using namespace steward;
using namespace steward::test;

namespace {

TestApiVersion version(std::uint64_t rv, bool deleted = false) {
  return {"configmaps", "ns/a", rv, deleted};
}
Delivery watched(std::uint64_t rv, bool deleted = false) { return {"ns/a", rv, deleted, true}; }
Delivery listed(std::uint64_t rv, bool deleted = false) { return {"ns/a", rv, deleted, false}; }

std::vector<std::uint64_t> lost_versions(const std::vector<TestApiVersion>& produced,
                                         const std::vector<Delivery>& deliveries) {
  std::vector<std::uint64_t> out;
  for (const LostEvent& e : lost_events(produced, deliveries)) out.push_back(e.rv);
  return out;
}

informer::ObjectPtr object(const std::string& name, const std::string& rv) {
  auto doc = std::make_shared<kube::Object>();
  doc->Parse((R"({"metadata":{"namespace":"ns","name":")" + name + R"(","resourceVersion":")" + rv +
              R"("}})")
                 .c_str());
  return doc;
}

}  // namespace

TEST_CASE("delivery check: every version a watch delivered is accounted for") {
  CHECK(lost_versions({version(2), version(5), version(9, true)},
                      {listed(2), watched(5), watched(9, true)})
            .empty());
}

TEST_CASE("delivery check: a version a watch skipped is lost, even when a newer one follows") {
  CHECK(lost_versions({version(2), version(5), version(7)}, {listed(2), watched(7)}) ==
        std::vector<std::uint64_t>{5});
  // The last write to an object that is then left alone: nothing later supersedes it.
  CHECK(lost_versions({version(2), version(5)}, {listed(2)}) == std::vector<std::uint64_t>{5});
}

TEST_CASE("delivery check: a list at a newer version supersedes what it skipped") {
  CHECK(lost_versions({version(2), version(5), version(7), version(8)},
                      {listed(2), listed(7), watched(8)})
            .empty());
}

TEST_CASE("delivery check: a list that finds an object gone supersedes up to its deletion") {
  // Cached at 2; updated at 4 and deleted at 6 while the watch was away; the relist's delete
  // carries the cached version 2.
  CHECK(lost_versions({version(2), version(4), version(6, true)}, {listed(2), listed(2, true)})
            .empty());
  // Re-created at 8 after that list: a watch owes the creation, and it skipped it.
  CHECK(lost_versions({version(2), version(4), version(6, true), version(8), version(9)},
                      {listed(2), listed(2, true), watched(9)}) ==
        std::vector<std::uint64_t>{8});
}

TEST_CASE("delivery check: keys are judged apart") {
  const std::vector<TestApiVersion> produced = {version(2), {"configmaps", "ns/b", 3, false}};
  const auto lost = lost_events(produced, {listed(2), {"ns/b", 2, false, false}});
  REQUIRE(lost.size() == 1);
  CHECK(lost[0].key == "ns/b");
  CHECK(describe(lost) == "ns/b at 3\n");
}

TEST_CASE("delivery recorder: deliveries after the sync count as a watch's only when one arrived") {
  std::atomic<double> watch_events{0};
  DeliveryRecorder recorder([&] { return watch_events.load(); });
  auto handlers = recorder.handlers();
  handlers.on_add(object("a", "2"));  // the first list
  handlers.on_synced();
  watch_events = 1;
  handlers.on_update(object("a", "2"), object("a", "5"));  // a watch event
  handlers.on_update(object("a", "5"), object("a", "5"));  // a resync: not recorded
  handlers.on_update(object("a", "5"), object("a", "9"));  // a relist: no watch event counted
  watch_events = 2;
  handlers.on_delete(object("a", "11"));  // a watch event
  const auto deliveries = recorder.deliveries();
  REQUIRE(deliveries.size() == 4);
  CHECK_FALSE(deliveries[0].from_watch);
  CHECK(deliveries[1].from_watch);
  CHECK(deliveries[1].rv == 5);
  CHECK_FALSE(deliveries[2].from_watch);
  CHECK(deliveries[2].rv == 9);
  CHECK(deliveries[3].from_watch);
  CHECK(deliveries[3].deleted);
}
