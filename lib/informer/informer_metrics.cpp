#include "informer/informer_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>

namespace steward::informer {
namespace {

prometheus::Family<prometheus::Counter>& events_family(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("steward_informer_events_total")
      .Help("Watch events received by informers, by resource and event type.")
      .Register(registry);
}

prometheus::Family<prometheus::Counter>& restarts_family(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("steward_watch_restarts_total")
      .Help("Watch restarts by resource and reason (timeout, idle, gone, error).")
      .Register(registry);
}

prometheus::Family<prometheus::Gauge>& gauge_family(prometheus::Registry& registry,
                                                    const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

prometheus::Family<prometheus::Gauge>& objects_family(prometheus::Registry& registry) {
  return gauge_family(registry, "steward_informer_objects", "Objects in the informer's cache.");
}

prometheus::Family<prometheus::Gauge>& synced_family(prometheus::Registry& registry) {
  return gauge_family(registry, "steward_informer_synced",
                      "1 once the informer's first list has been delivered, else 0.");
}

prometheus::Family<prometheus::Gauge>& healthy_family(prometheus::Registry& registry) {
  return gauge_family(registry, "steward_informer_healthy",
                      "1 while the informer holds a working watch, or has lacked one for less "
                      "than 30 s; 0 after that (readiness fails), until a watch works again.");
}

prometheus::Family<prometheus::Gauge>& last_event_family(prometheus::Registry& registry) {
  return gauge_family(registry, "steward_informer_last_event_timestamp_seconds",
                      "Unix time of the last watch event an informer received.");
}

}  // namespace

InformerMetrics::InformerMetrics(prometheus::Registry& registry)
    : events_(events_family(registry)),
      restarts_(restarts_family(registry)),
      objects_(objects_family(registry)),
      synced_(synced_family(registry)),
      healthy_(healthy_family(registry)),
      last_event_(last_event_family(registry)) {}

void InformerMetrics::started(const std::string& resource) {
  for (const char* type : {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"}) {
    events_.Add({{"resource", resource}, {"type", type}});
  }
  for (const char* reason : {"timeout", "idle", "gone", "error"}) {
    restarts_.Add({{"resource", resource}, {"reason", reason}});
  }
}

void InformerMetrics::event(const std::string& resource, std::string_view type) {
  events_.Add({{"resource", resource}, {"type", std::string(type)}}).Increment();
  const double now = std::chrono::duration<double>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  last_event_.Add({{"resource", resource}}).Set(now);
}

void InformerMetrics::restart(const std::string& resource, std::string_view reason) {
  restarts_.Add({{"resource", resource}, {"reason", std::string(reason)}}).Increment();
}

void InformerMetrics::objects(const std::string& resource, double count) {
  objects_.Add({{"resource", resource}}).Set(count);
}

void InformerMetrics::synced(const std::string& resource, bool synced) {
  synced_.Add({{"resource", resource}}).Set(synced ? 1 : 0);
}

void InformerMetrics::healthy(const std::string& resource, bool healthy) {
  healthy_.Add({{"resource", resource}}).Set(healthy ? 1 : 0);
}

void InformerMetrics::forget(const std::string& resource) {
  for (auto* family : {&objects_, &synced_, &healthy_, &last_event_}) {
    if (family->Has({{"resource", resource}})) {
      family->Remove(&family->Add({{"resource", resource}}));
    }
  }
}

}  // namespace steward::informer
