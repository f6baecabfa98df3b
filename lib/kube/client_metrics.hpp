#pragma once
// ClientMetrics: the API client's Prometheus series, with client-go's names so existing dashboards
// and alerts work:
//   rest_client_requests_total{code,method,host}          counter; code "<error>" for no response
//   rest_client_request_duration_seconds{verb,host}       histogram, client-go's buckets
//   steward_api_circuit_breaker_state{host}                gauge: 0 closed, 1 half-open, 2 open
//   steward_api_rate_limit{host}                           gauge: the throttle, requests/s
//   steward_api_rate_limit_adaptive{host}                  gauge: 1 adaptive (APF), 0 fixed

#include <mutex>
#include <string>
#include <unordered_map>

#include "kube/circuit_breaker.hpp"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace steward::kube {

class ClientMetrics {
 public:
  ClientMetrics(prometheus::Registry& registry, std::string host);

  // `code` 0 means no response.
  void request(int code, const std::string& method, const std::string& verb, double seconds);
  void breaker_state(CircuitBreaker::State state);
  void throttle(double limit, bool adaptive);

 private:
  const std::string host_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Gauge& breaker_;
  prometheus::Gauge& rate_limit_;
  prometheus::Gauge& adaptive_;
};

}  // namespace steward::kube
