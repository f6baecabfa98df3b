#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "manager/connection_slots.hpp"

using steward::manager::ConnectionSlots;
using Room = ConnectionSlots::Room;

namespace {

// Connections that record, in `closed`, the name of each one closed.
struct Connections {
  ConnectionSlots slots;
  std::vector<std::string> closed;

  explicit Connections(std::size_t capacity) : slots(capacity) {}
  ConnectionSlots::Id open(const std::string& name) {
    REQUIRE(slots.make_room() != Room::kNone);
    const ConnectionSlots::Id id = slots.reserve();
    slots.attach(id, [this, name] { closed.push_back(name); });
    return id;
  }
};

}  // namespace

TEST_CASE("below the cap a new connection closes nothing") {
  Connections c(2);
  const auto a = c.open("a");
  c.slots.waiting(a);
  CHECK(c.slots.make_room() == Room::kFree);
  CHECK(c.closed.empty());
  CHECK(c.slots.size() == 1);
}

TEST_CASE("at the cap the connection waiting longest for a header is closed, busy ones never") {
  Connections c(3);
  const auto busy = c.open("busy");  // answering: never evicted
  const auto old_waiter = c.open("old");
  const auto new_waiter = c.open("new");
  c.slots.waiting(old_waiter);
  c.slots.waiting(new_waiter);
  c.slots.waiting(busy);
  c.slots.busy(busy);
  CHECK(c.slots.make_room() == Room::kEvicted);
  CHECK(c.closed == std::vector<std::string>{"old"});
  CHECK(c.slots.size() == 2);  // the slot is free at once
  c.slots.reserve();
  CHECK(c.slots.make_room() == Room::kEvicted);
  CHECK(c.closed == std::vector<std::string>{"old", "new"});
}

TEST_CASE("a kept-alive connection waiting again goes behind those already waiting") {
  Connections c(2);
  const auto first = c.open("first");
  const auto second = c.open("second");
  c.slots.waiting(first);
  c.slots.waiting(second);
  c.slots.busy(first);  // its header came in: it answers, then waits for the next request
  c.slots.waiting(first);
  CHECK(c.slots.make_room() == Room::kEvicted);
  CHECK(c.closed == std::vector<std::string>{"second"});
}

TEST_CASE("when every connection is busy there is no room, until one waits or ends") {
  Connections c(2);
  const auto a = c.open("a");
  const auto b = c.open("b");
  CHECK(c.slots.make_room() == Room::kNone);  // reserved, not yet waiting: busy
  c.slots.waiting(b);
  CHECK(c.slots.make_room() == Room::kEvicted);
  CHECK(c.closed == std::vector<std::string>{"b"});
  c.slots.release(b);  // the evicted connection's coroutine ends: nothing more to free
  CHECK(c.slots.size() == 1);
  c.slots.reserve();
  CHECK(c.slots.make_room() == Room::kNone);
  c.slots.release(a);
  CHECK(c.slots.make_room() == Room::kFree);
}

TEST_CASE("a reserved connection not yet attached is not evicted, and close_all closes the rest") {
  Connections c(2);
  const auto attached = c.open("attached");
  const auto reserved = c.slots.reserve();  // its coroutine has not run yet
  c.slots.waiting(reserved);
  c.slots.waiting(attached);
  CHECK(c.slots.make_room() == Room::kEvicted);
  CHECK(c.closed == std::vector<std::string>{"attached"});
  c.slots.attach(reserved, [&c] { c.closed.push_back("reserved"); });
  c.slots.close_all();
  CHECK(c.closed == std::vector<std::string>{"attached", "reserved"});
  CHECK(c.slots.size() == 0);
}
