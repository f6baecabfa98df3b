#include "manager/connection_slots.hpp"

#include <utility>

namespace steward::manager {

ConnectionSlots::Id ConnectionSlots::reserve() {
  const Id id = next_id_++;
  open_.emplace(id, Slot{});
  return id;
}

void ConnectionSlots::attach(Id id, std::function<void()> close) {
  if (auto it = open_.find(id); it != open_.end()) it->second.close = std::move(close);
}

void ConnectionSlots::waiting(Id id) {
  auto it = open_.find(id);
  if (it == open_.end() || it->second.waiting) return;
  it->second.waiting = true;
  it->second.waiting_since = next_wait_++;
}

void ConnectionSlots::busy(Id id) {
  if (auto it = open_.find(id); it != open_.end()) it->second.waiting = false;
}

void ConnectionSlots::release(Id id) { open_.erase(id); }

ConnectionSlots::Room ConnectionSlots::make_room() {
  if (open_.size() < capacity_) return Room::kFree;
  auto oldest = open_.end();
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    const Slot& slot = it->second;
    if (!slot.waiting || !slot.close) continue;
    if (oldest == open_.end() || slot.waiting_since < oldest->second.waiting_since) oldest = it;
  }
  if (oldest == open_.end()) return Room::kNone;
  std::function<void()> close = std::move(oldest->second.close);
  open_.erase(oldest);
  close();
  return Room::kEvicted;
}

void ConnectionSlots::close_all() {
  std::map<Id, Slot> open;
  open.swap(open_);
  for (auto& [id, slot] : open) {
    if (slot.close) slot.close();
  }
}

}  // namespace steward::manager
