#pragma once
// RateLimiter: how long a key must wait before it is retried.
//
// Small composable values, as in client-go's util/workqueue/default_rate_limiters.go:
//   ItemExponentialRateLimiter  per key: base * 2^failures, capped (optionally jittered)
//   BucketRateLimiter           all keys share a token bucket (qps, burst)
//   MaxOfRateLimiter            the longest delay of several limiters
// default_controller_rate_limiter() is client-go's DefaultControllerRateLimiter:
// max(exponential 5 ms .. 1000 s, bucket 10 qps burst 100).
//
// when() records a failure (or spends a token) and returns the delay; forget() clears a key's
// history once it succeeded; num_requeues() is how many failures the key has on record.
// All limiters are thread-safe.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <random>
#include <unordered_map>
#include <vector>

#include "base/clock.hpp"
#include "base/token_bucket.hpp"

namespace steward::queue {

using Duration = base::Clock::duration;

template <typename Key, typename Hash = std::hash<Key>>
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  virtual Duration when(const Key& key) = 0;
  virtual void forget(const Key& key) = 0;
  virtual int num_requeues(const Key& key) const = 0;
};

struct ItemExponentialOptions {
  // First retry delay, as client-go's DefaultControllerRateLimiter.
  Duration base = std::chrono::milliseconds(5);
  // Upper bound on the delay: 1000 s, as client-go.
  Duration cap = std::chrono::seconds(1000);
  // Adds up to `jitter` * delay of uniform random extra delay (0 = none), so keys that failed
  // together do not retry in lockstep. The cap still bounds the result.
  double jitter = 0.0;
  // Seed for the jitter's generator; fixed by tests so they are deterministic.
  std::uint64_t seed = std::random_device{}();
};

template <typename Key, typename Hash = std::hash<Key>>
class ItemExponentialRateLimiter final : public RateLimiter<Key, Hash> {
 public:
  explicit ItemExponentialRateLimiter(ItemExponentialOptions options = {})
      : options_(options), random_(options.seed) {}

  Duration when(const Key& key) override {
    std::lock_guard guard(mu_);
    const int failures = failures_[key]++;
    // Computed in floating point: 2^failures overflows an integer long before the cap matters.
    const double base = static_cast<double>(options_.base.count());
    const double cap = static_cast<double>(options_.cap.count());
    double delay = std::min(base * std::exp2(static_cast<double>(failures)), cap);
    if (options_.jitter > 0) {
      delay = std::min(delay + delay * options_.jitter * uniform_(random_), cap);
    }
    return Duration(static_cast<Duration::rep>(delay));
  }

  void forget(const Key& key) override {
    std::lock_guard guard(mu_);
    failures_.erase(key);
  }

  int num_requeues(const Key& key) const override {
    std::lock_guard guard(mu_);
    auto it = failures_.find(key);
    return it == failures_.end() ? 0 : it->second;
  }

 private:
  const ItemExponentialOptions options_;
  mutable std::mutex mu_;  // guards failures_, random_
  std::unordered_map<Key, int, Hash> failures_;
  std::mt19937_64 random_;
  std::uniform_real_distribution<double> uniform_{0.0, 1.0};
};

struct BucketOptions {
  // Sustained retries per second across all keys (client-go: 10).
  double qps = 10.0;
  // Retries allowed at once before the rate applies (client-go: 100).
  int burst = 100;
};

// A token bucket shared by all keys (base::TokenBucket): the delay is when the token taken for this
// retry will exist, so retries that respect their delays never exceed `qps` after the first `burst`.
template <typename Key, typename Hash = std::hash<Key>>
class BucketRateLimiter final : public RateLimiter<Key, Hash> {
 public:
  explicit BucketRateLimiter(BucketOptions options = {},
                             const base::Clock& clock = base::SteadyClock::instance())
      : bucket_(options.qps, options.burst, clock) {}

  Duration when(const Key&) override { return bucket_.reserve(); }
  void forget(const Key&) override {}
  int num_requeues(const Key&) const override { return 0; }

 private:
  base::TokenBucket bucket_;
};

template <typename Key, typename Hash = std::hash<Key>>
class MaxOfRateLimiter final : public RateLimiter<Key, Hash> {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter<Key, Hash>>> limiters)
      : limiters_(std::move(limiters)) {}

  // Every limiter is asked (each records the failure or spends its token), as client-go does.
  Duration when(const Key& key) override {
    Duration longest = Duration::zero();
    for (auto& limiter : limiters_) longest = std::max(longest, limiter->when(key));
    return longest;
  }

  void forget(const Key& key) override {
    for (auto& limiter : limiters_) limiter->forget(key);
  }

  int num_requeues(const Key& key) const override {
    int most = 0;
    for (const auto& limiter : limiters_) most = std::max(most, limiter->num_requeues(key));
    return most;
  }

 private:
  const std::vector<std::unique_ptr<RateLimiter<Key, Hash>>> limiters_;
};

// client-go's DefaultControllerRateLimiter: max(exponential 5 ms .. 1000 s, bucket 10 qps burst 100).
template <typename Key, typename Hash = std::hash<Key>>
std::unique_ptr<RateLimiter<Key, Hash>> default_controller_rate_limiter(
    const base::Clock& clock = base::SteadyClock::instance(), ItemExponentialOptions exponential = {},
    BucketOptions bucket = {}) {
  std::vector<std::unique_ptr<RateLimiter<Key, Hash>>> limiters;
  limiters.push_back(std::make_unique<ItemExponentialRateLimiter<Key, Hash>>(exponential));
  limiters.push_back(std::make_unique<BucketRateLimiter<Key, Hash>>(bucket, clock));
  return std::make_unique<MaxOfRateLimiter<Key, Hash>>(std::move(limiters));
}

}  // namespace steward::queue
