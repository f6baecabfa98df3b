#include "manager/shutdown_deadline.hpp"

namespace steward::manager {

ShutdownDeadline::ShutdownDeadline(std::chrono::milliseconds timeout, std::function<void()> expire)
    : thread_([this, timeout, expire = std::move(expire)] {
        {
          std::unique_lock lock(mu_);
          if (cv_.wait_for(lock, timeout, [&] { return done_; })) return;
        }
        expire();
      }) {}

ShutdownDeadline::~ShutdownDeadline() {
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

}  // namespace steward::manager
