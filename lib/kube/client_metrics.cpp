#include "kube/client_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace steward::kube {

ClientMetrics::ClientMetrics(prometheus::Registry& registry, std::string host)
    : host_(std::move(host)),
      requests_(prometheus::BuildCounter()
                    .Name("rest_client_requests_total")
                    .Help("Number of HTTP requests, partitioned by status code, method, and host.")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("rest_client_request_duration_seconds")
                    .Help("Request latency in seconds. Broken down by verb, and host.")
                    .Register(registry)),
      breaker_(prometheus::BuildGauge()
                   .Name("steward_api_circuit_breaker_state")
                   .Help("State of the API client's circuit breaker per server: 0 closed, "
                         "1 half-open, 2 open.")
                   .Register(registry)
                   .Add({{"host", host_}})),
      rate_limit_(prometheus::BuildGauge()
                      .Name("steward_api_rate_limit")
                      .Help("The API client's throttle per server, in requests per second: fixed, "
                            "or adaptive under API Priority and Fairness.")
                      .Register(registry)
                      .Add({{"host", host_}})),
      adaptive_(prometheus::BuildGauge()
                    .Name("steward_api_rate_limit_adaptive")
                    .Help("1 when the API client's throttle follows the server (it runs API "
                          "Priority and Fairness), 0 when it is fixed.")
                    .Register(registry)
                    .Add({{"host", host_}})) {}

void ClientMetrics::throttle(double limit, bool adaptive) {
  rate_limit_.Set(limit);
  adaptive_.Set(adaptive ? 1 : 0);
}

void ClientMetrics::request(int code, const std::string& method, const std::string& verb,
                            double seconds) {
  // client-go's buckets for rest_client_request_duration_seconds.
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0};
  requests_.Add({{"code", code == 0 ? "<error>" : std::to_string(code)},
                 {"method", method},
                 {"host", host_}})
      .Increment();
  duration_.Add({{"verb", verb}, {"host", host_}}, kBuckets).Observe(seconds);
}

void ClientMetrics::breaker_state(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::closed: breaker_.Set(0); break;
    case CircuitBreaker::State::half_open: breaker_.Set(1); break;
    case CircuitBreaker::State::open: breaker_.Set(2); break;
  }
}

}  // namespace steward::kube
