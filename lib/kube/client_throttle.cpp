#include "kube/client_throttle.hpp"

#include <algorithm>
#include <cmath>

namespace steward::kube {
namespace {

using namespace std::chrono_literals;

// Judged four times a second, so that the doubling of slow start reaches a server's thousand
// requests a second from 50 in about a second; a decrease waits out kDecreaseCooldown, the time
// the requests sent before it need to show its effect.
constexpr auto kWindow = 250ms;
constexpr auto kDecreaseCooldown = 1s;
constexpr double kFloorQps = 5;
constexpr double kAdditiveStep = 25.0 / 4;  // requests/s added per window after slow start
constexpr double kLatencyDecrease = 0.7;  // the limit's share kept when latency rises
constexpr double kRejectDecrease = 0.5;   // ... on a 429
constexpr int kMinLatencySamples = 10;
constexpr double kBaselineRelax = 1.005;  // the baseline's rise allowed per window (2% a second)
constexpr double kCongestedFactor = 2.0;  // mean latency above this times the baseline ...
constexpr double kCongestedMarginSeconds = 0.050;  // ... and this far above it

double seconds(base::Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Lists and watches take as long as what they carry; only single-object requests tell whether
// the server queues steward.
bool single_object(std::string_view verb) {
  return verb != "list" && verb != "watch" && verb != "deletecollection";
}

}  // namespace

ClientThrottle::ClientThrottle(ThrottleOptions options, const base::Clock& clock)
    : options_(options),
      clock_(clock),
      bucket_(options.qps, options.burst, clock),
      limit_(options.qps),
      last_decrease_(clock.now() - kDecreaseCooldown),  // no cooldown before the first decrease
      window_start_(clock.now()) {}

base::Clock::duration ClientThrottle::reserve() {
  base::Clock::duration wait = bucket_.reserve();
  std::lock_guard lock(mu_);
  const auto now = clock_.now();
  roll_window_locked(now);
  if (adaptive_ && paused_until_ > now) wait = std::max(wait, paused_until_ - now);
  if (wait > base::Clock::duration::zero()) throttled_ = true;
  return wait;
}

void ClientThrottle::observe(const Answer& answer) {
  std::lock_guard lock(mu_);
  const auto now = clock_.now();
  if (!adaptive_ && options_.adaptive && answer.priority_and_fairness) adaptive_ = true;
  roll_window_locked(now);
  if (!adaptive_) return;
  if (answer.status == 429) {
    const auto pause = answer.retry_after > base::Clock::duration::zero() ? answer.retry_after
                                                                          : base::Clock::duration(1s);
    paused_until_ = std::max(paused_until_, now + pause);
    if (!cooling_locked(now)) decrease_locked(kRejectDecrease, now);
    return;
  }
  if (answer.status >= 200 && answer.status < 300 && single_object(answer.verb)) {
    ++latency_samples_;
    latency_sum_seconds_ += seconds(answer.latency);
  }
}

double ClientThrottle::limit() const {
  std::lock_guard lock(mu_);
  return limit_;
}

bool ClientThrottle::adaptive() const {
  std::lock_guard lock(mu_);
  return adaptive_;
}

void ClientThrottle::roll_window_locked(base::Clock::time_point now) {
  if (now - window_start_ < kWindow) return;
  if (adaptive_ && !cooling_locked(now)) {
    bool congested = false;
    if (latency_samples_ >= kMinLatencySamples) {
      const double mean = latency_sum_seconds_ / latency_samples_;
      if (baseline_seconds_ > 0) {
        congested = mean > kCongestedFactor * baseline_seconds_ &&
                    mean > baseline_seconds_ + kCongestedMarginSeconds;
      }
      baseline_seconds_ = baseline_seconds_ > 0
                              ? std::min(mean, baseline_seconds_ * kBaselineRelax)
                              : mean;
    }
    if (congested) {
      decrease_locked(kLatencyDecrease, now);
    } else if (throttled_) {
      set_limit_locked(slow_start_ ? limit_ * 2 : limit_ + kAdditiveStep);
    }
  }
  // A window with no request at all (idle) starts at the next one.
  window_start_ = now - window_start_ < 2 * kWindow ? window_start_ + kWindow : now;
  throttled_ = false;
  latency_samples_ = 0;
  latency_sum_seconds_ = 0;
}

bool ClientThrottle::cooling_locked(base::Clock::time_point now) const {
  return now - last_decrease_ < kDecreaseCooldown;
}

void ClientThrottle::decrease_locked(double factor, base::Clock::time_point now) {
  slow_start_ = false;
  last_decrease_ = now;
  set_limit_locked(limit_ * factor);
}

void ClientThrottle::set_limit_locked(double limit) {
  const double ceiling = options_.qps_is_bound ? options_.qps : std::max(options_.qps, options_.max_qps);
  limit_ = std::clamp(limit, std::min(kFloorQps, ceiling), ceiling);
  const int burst = options_.burst_is_bound
                        ? options_.burst
                        : std::max(options_.burst, static_cast<int>(std::ceil(limit_ / 5)));
  bucket_.set_rate(limit_, burst);
}

}  // namespace steward::kube
