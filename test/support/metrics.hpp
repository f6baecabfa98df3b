#pragma once
// Reading metric values back from a prometheus::Registry in tests.

#include <prometheus/registry.h>

#include <map>
#include <optional>
#include <string>

namespace steward::test {

// The sum over the samples of `name` whose labels include every one of `labels`: a counter's or
// gauge's value, a histogram's sample count. nullopt when no sample matches.
inline std::optional<double> metric_value(const prometheus::Registry& registry,
                                          const std::string& name,
                                          const std::map<std::string, std::string>& labels = {}) {
  std::optional<double> total;
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& sample : family.metric) {
      std::size_t matched = 0;
      for (const auto& label : sample.label) {
        const auto wanted = labels.find(label.name);
        if (wanted != labels.end() && wanted->second == label.value) ++matched;
      }
      if (matched != labels.size()) continue;
      double value = 0;
      switch (family.type) {
        case prometheus::MetricType::Counter: value = sample.counter.value; break;
        case prometheus::MetricType::Gauge: value = sample.gauge.value; break;
        case prometheus::MetricType::Histogram:
          value = static_cast<double>(sample.histogram.sample_count);
          break;
        default: break;
      }
      total = total.value_or(0) + value;
    }
  }
  return total;
}

}  // namespace steward::test
