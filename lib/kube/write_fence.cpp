#include "kube/write_fence.hpp"

#include <algorithm>

#include "kube/transport.hpp"

namespace steward::kube {

WriteFence::Pass::Pass(WriteFence& fence, RequestCancel& cancel)
    : fence_(fence), cancel_(cancel), admitted_(fence.admit(cancel)) {}

WriteFence::Pass::~Pass() {
  if (admitted_) fence_.leave(cancel_);
}

bool WriteFence::admit(RequestCancel& cancel) {
  std::lock_guard guard(mu_);
  if (!open_) return false;
  in_flight_.push_back(&cancel);
  return true;
}

void WriteFence::leave(RequestCancel& cancel) {
  std::lock_guard guard(mu_);
  std::erase(in_flight_, &cancel);
}

void WriteFence::open() {
  std::lock_guard guard(mu_);
  open_ = true;
}

void WriteFence::close() {
  // Under the lock, so that an attempt is either admitted before (and cancelled here) or
  // refused: none slips between the check and the cut.
  std::lock_guard guard(mu_);
  open_ = false;
  for (RequestCancel *cancel : in_flight_) cancel->cancel();
}

bool WriteFence::is_open() const {
  std::lock_guard guard(mu_);
  return open_;
}

std::size_t WriteFence::in_flight() const {
  std::lock_guard guard(mu_);
  return in_flight_.size();
}

}  // namespace steward::kube
