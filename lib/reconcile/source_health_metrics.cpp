#include "reconcile/source_health_metrics.hpp"

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace steward::reconcile {

SourceHealthMetrics::SourceHealthMetrics(prometheus::Registry& registry)
    : health_(prometheus::BuildGauge()
                  .Name("steward_source_health")
                  .Help("Objects of a source by their health status (kstatus: Current, InProgress, "
                        "Failed, Terminating, NotFound, Unknown).")
                  .Register(registry)),
      last_applied_(prometheus::BuildGauge()
                        .Name("steward_source_last_applied_timestamp_seconds")
                        .Help("Unix time of the last successful reconcile of an object of the "
                              "source while none of its objects was failing.")
                        .Register(registry)) {}

void SourceHealthMetrics::update(const std::vector<SourceHealth>& sources) {
  std::set<std::pair<std::string, std::string>> health_series;
  std::set<std::string> applied_series;
  std::lock_guard guard(mu_);
  for (const SourceHealth& source : sources) {
    for (const auto& [status, count] : source.by_health) {
      std::string name(health::to_string(status));
      health_.Add({{"source", source.name}, {"status", name}}).Set(static_cast<double>(count));
      health_series.emplace(source.name, std::move(name));
    }
    if (source.last_applied) {
      const auto seconds =
          std::chrono::duration<double>(source.last_applied->time_since_epoch()).count();
      last_applied_.Add({{"source", source.name}}).Set(seconds);
      applied_series.insert(source.name);
    }
  }
  for (const auto& [source, status] : health_series_) {
    if (health_series.contains({source, status})) continue;
    health_.Remove(&health_.Add({{"source", source}, {"status", status}}));
  }
  for (const auto& source : applied_series_) {
    if (applied_series.contains(source)) continue;
    last_applied_.Remove(&last_applied_.Add({{"source", source}}));
  }
  health_series_ = std::move(health_series);
  applied_series_ = std::move(applied_series);
}

}  // namespace steward::reconcile
