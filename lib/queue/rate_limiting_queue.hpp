#pragma once
// RateLimitingQueue: a WorkQueue whose failed keys come back after a rate-limited delay
// (client-go's util/workqueue/rate_limiting_queue.go).
//
// A reconciler that fails calls add_rate_limited(key): the limiter records the failure and the key
// returns after the limiter's delay. A reconciler that succeeds calls forget(key), so the key's next
// failure starts again from the shortest delay.

#include <memory>

#include "queue/rate_limiter.hpp"
#include "queue/work_queue.hpp"

namespace steward::queue {

template <typename Key, typename Hash = std::hash<Key>>
class RateLimitingQueue : public WorkQueue<Key, Hash> {
 public:
  // `limiter` defaults to default_controller_rate_limiter() on the queue's clock.
  explicit RateLimitingQueue(WorkQueueOptions options = {},
                             std::unique_ptr<RateLimiter<Key, Hash>> limiter = nullptr)
      : WorkQueue<Key, Hash>(options),
        limiter_(limiter ? std::move(limiter)
                         : default_controller_rate_limiter<Key, Hash>(*options.clock)) {}

  void add_rate_limited(const Key& key) { this->add_after(key, limiter_->when(key)); }

  void forget(const Key& key) { limiter_->forget(key); }

  int num_requeues(const Key& key) const { return limiter_->num_requeues(key); }

 private:
  const std::unique_ptr<RateLimiter<Key, Hash>> limiter_;
};

}  // namespace steward::queue
