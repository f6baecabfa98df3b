#pragma once
// Clock: the one source of time for every part of steward.
//
// Production code uses SteadyClock. Tests use FakeClock and move time by hand, so backoff, delayed
// queue adds, resync periods and lease expiry are tested in microseconds without sleeping.
// Waiting is part of the clock (wait_until) because a fake clock must be able to wake a thread that
// waits for a fake deadline when the test advances time.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <unordered_map>

namespace steward::base {

class Clock {
 public:
  using duration = std::chrono::steady_clock::duration;
  using time_point = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;

  virtual time_point now() const = 0;

  // Blocks on `cv` with `lock` held (as condition_variable::wait does) until `cv` is notified or
  // this clock reaches `deadline`. May return early: callers re-check their condition in a loop.
  virtual void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          time_point deadline) const = 0;
};

// std::chrono::steady_clock: monotonic, unaffected by wall-clock changes.
class SteadyClock final : public Clock {
 public:
  // The process-wide instance; stateless, so sharing it is safe.
  static const SteadyClock& instance();

  time_point now() const override { return std::chrono::steady_clock::now(); }
  void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                  time_point deadline) const override;
};

// A clock that moves only when told to. Thread-safe.
//
// advance() wakes every thread blocked in wait_until() on this clock. Because advance() cannot hold
// the waiter's own mutex, a wake-up can slip between a waiter's check and its wait; waiters therefore
// also re-check every `kRecheck` of real time, which bounds the cost of that race without affecting
// what the waiter observes (fake time only moves through advance()).
class FakeClock final : public Clock {
 public:
  static constexpr std::chrono::milliseconds kRecheck{1};

  // Starts at an arbitrary, fixed point far from zero so that "time_point{}" bugs show.
  FakeClock() : now_(time_point{} + std::chrono::hours(24 * 365)) {}

  time_point now() const override { return now_.load(); }
  void advance(duration d);
  void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                  time_point deadline) const override;

  // Number of threads currently blocked in wait_until(); lets a test wait until a worker is parked
  // before it advances time.
  int waiters() const;

 private:
  std::atomic<time_point> now_;
  mutable std::mutex waiters_mu_;  // guards waiters_
  mutable std::unordered_map<std::condition_variable*, int> waiters_;
};

}  // namespace steward::base
