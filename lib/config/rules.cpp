// The checks across fields (field_table.hpp's Rule), each run once its section was read. Each
// reports only when the fields it compares read cleanly, at the field that was written.

#include <algorithm>
#include <string>

#include "base/bind_address.hpp"
#include "base/quote.hpp"
#include "config/field_table.hpp"

namespace steward::config {
namespace {

// A maximum (`upper`) that must not be less than its minimum (`lower`), both in `section`: an
// error at the maximum, or at the minimum when only that was written.
void check_not_less(Findings& found, std::string_view section, std::string_view upper,
                    Duration upper_value, std::string_view lower, Duration lower_value) {
  const std::string upper_path = std::string(section) + "." + std::string(upper);
  const std::string lower_path = std::string(section) + "." + std::string(lower);
  if (upper_value >= lower_value || !found.all_read({upper_path, lower_path})) return;
  found.error(found.mark_at({upper_path, lower_path}),
              upper_path + " (" + show(upper_value) + ") must not be less than " +
                  std::string(lower) + " (" + show(lower_value) + ")");
}

void in_cluster_alone(StewardConfig& config, Findings& found) {
  const ClusterConfig& c = config.cluster;
  if (c.in_cluster && (!c.kubeconfig.empty() || !c.context.empty()) &&
      found.all_read({"cluster.kubeconfig", "cluster.context"}))
    found.error(found.mark_at({"cluster.inCluster"}),
                "cluster.inCluster uses the pod's service account; it cannot be combined with "
                "cluster.kubeconfig or cluster.context");
}

// What the user set bounds the adaptive throttle; the defaults are only where it starts.
void throttle_bounds(StewardConfig& config, Findings& found) {
  config.cluster.qps_is_bound = found.has_value("cluster.qps");
  config.cluster.burst_is_bound = found.has_value("cluster.burst");
}

void circuit_breaker_periods(StewardConfig& config, Findings& found) {
  kube::CircuitBreakerOptions& cb = config.cluster.circuit_breaker;
  // maxOpenFor left out is the larger of 30 s and openFor: `openFor: 1s` alone doubles up to
  // 30 s, `openFor: 60s` alone is a fixed minute.
  if (!found.has_value("cluster.circuitBreaker.maxOpenFor"))
    cb.max_open_for = std::max(cb.max_open_for, cb.open_for);
  check_not_less(found, "cluster.circuitBreaker", "maxOpenFor", cb.max_open_for, "openFor",
                 cb.open_for);
}

void rate_limiter_delays(StewardConfig& config, Findings& found) {
  const RateLimiterConfig& rl = config.reconcile.rate_limiter;
  check_not_less(found, "reconcile.rateLimiter", "maxDelay", rl.max_delay, "baseDelay",
                 rl.base_delay);
}

void endpoints_apart(StewardConfig& config, Findings& found) {
  const std::string& address = config.health.bind_address;
  // Port 0 asks the kernel for a free port each time, so two of them never clash.
  const bool any_port = address.ends_with(":0");
  if (address != base::kBindAddressDisabled && !any_port &&
      address == config.metrics.bind_address &&
      found.all_read({"metrics.bindAddress", "health.bindAddress"}))
    found.error(found.mark_at({"health.bindAddress", "metrics.bindAddress"}),
                "health.bindAddress and metrics.bindAddress are both " + base::quote(address) +
                    "; they need different ports");
}

// client-go's leaderelection.NewLeaderElector refuses the same combinations.
void leader_election_timing(StewardConfig& config, Findings& found) {
  const LeaderElectionConfig& le = config.leader_election;
  if (!found.all_read({"leaderElection.leaseDuration", "leaderElection.renewDeadline",
                       "leaderElection.retryPeriod"}))
    return;
  if (le.renew_deadline >= le.lease_duration)
    found.error(found.mark_at({"leaderElection.renewDeadline", "leaderElection.leaseDuration"}),
                "leaderElection.renewDeadline (" + show(le.renew_deadline) +
                    ") must be less than leaseDuration (" + show(le.lease_duration) + ")");
  else if (le.renew_deadline.count() <= 1.2 * static_cast<double>(le.retry_period.count()))
    found.error(found.mark_at({"leaderElection.retryPeriod", "leaderElection.renewDeadline"}),
                "leaderElection.renewDeadline (" + show(le.renew_deadline) +
                    ") must be more than 1.2 times retryPeriod (" + show(le.retry_period) +
                    "), or jittered retries could miss it");
}

}  // namespace

std::span<const Rule> config_rules() {
  static const Rule rules[] = {
      {"cluster.circuitBreaker", circuit_breaker_periods},
      {"cluster", in_cluster_alone},
      {"cluster", throttle_bounds},
      {"reconcile.rateLimiter", rate_limiter_delays},
      {"health", endpoints_apart},
      {"leaderElection", leader_election_timing},
  };
  return rules;
}

}  // namespace steward::config
