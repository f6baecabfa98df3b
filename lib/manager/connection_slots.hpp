#pragma once
// ConnectionSlots: HttpServer's connection cap, and which open connection gives up its slot when a
// new one arrives at the cap.
//
// A plain cap lets clients that connect and then send their request slowly, or not at all, fill
// every slot until their header deadlines pass: the kubelet's probe then waits in the backlog and
// fails (issue #22). So each connection is in one of two states:
//
//   busy     from its reservation (the accept) until it first waits, and while it answers a
//            request whose header is in. Never closed to admit another: answering is the work the
//            server exists for, and the write deadline bounds it.
//   waiting  waiting for a request header (newly connected, partway through one, or kept alive
//            after an answer), or draining the unread rest of a request after answering it.
//            Entered by waiting(), left by busy(); it may be evicted.
//
// Invariants: at most `capacity` connections are counted; make_room() closes a connection only
// when all slots are taken, and then the one that has been waiting longest (it entered `waiting`
// first), so a client that delivers its header at once, as the kubelet and Prometheus do, is never
// the one closed while there is an older waiter. An evicted connection is forgotten at once: its
// slot is free before its coroutine has noticed the close.
//
// Not thread-safe: the server uses it on its strand only. No sockets here, so that the policy is
// tested on its own (test/manager/connection_slots_test.cpp).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>

namespace steward::manager {

class ConnectionSlots {
 public:
  using Id = std::uint64_t;

  // What make_room() did.
  enum class Room {
    kFree,     // a slot was free: nothing closed
    kEvicted,  // every slot was taken; the connection waiting longest was closed to free one
    kNone,     // every slot is taken by a busy connection: wait for one to close or to wait
  };

  explicit ConnectionSlots(std::size_t capacity) : capacity_(capacity) {}

  // Counts a new connection, busy, before it can be closed: the server reserves its slot when it
  // accepts it, and the connection's coroutine attaches how to close it once it runs.
  Id reserve();
  void attach(Id id, std::function<void()> close);
  void waiting(Id id);
  void busy(Id id);
  // The connection ended by itself: its slot is free. Nothing for one already evicted.
  void release(Id id);

  // Makes sure one more connection may be reserved (see Room).
  Room make_room();
  // Closes every connection (the server stops) and forgets them.
  void close_all();

  std::size_t size() const { return open_.size(); }

 private:
  struct Slot {
    std::function<void()> close;  // empty until attach()
    bool waiting = false;
    std::uint64_t waiting_since = 0;  // the order of entering `waiting`: lower waited longer
  };

  const std::size_t capacity_;
  std::map<Id, Slot> open_;
  Id next_id_ = 0;
  std::uint64_t next_wait_ = 0;
};

}  // namespace steward::manager
