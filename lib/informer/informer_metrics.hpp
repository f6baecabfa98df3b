#pragma once
// InformerMetrics: the informer layer's series, labelled by resource ("deployments.apps"):
//   steward_informer_events_total{resource,type}        watch events received, by type
//   steward_watch_restarts_total{resource,reason}       re-watches: timeout, idle, gone (410),
//                                                       error
//   steward_informer_objects{resource}                  objects in the cache
//   steward_informer_synced{resource}                   1 once the first list was delivered
//   steward_informer_healthy{resource}                  1 while the informer holds a working
//                                                       watch or has not lacked one for 30 s
//   steward_informer_last_event_timestamp_seconds{resource}  Unix time of the last watch event;
//                                                       time() minus this is the last event's age
//
// started() sets a new informer's counters to 0 for every event type and restart reason, so that
// rate() and absent() over them work before the first event (docs/metrics.md, "Series that start
// at zero"); the gauges start with it too (synced 0, healthy 1).

#include <string>
#include <string_view>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace steward::informer {

class InformerMetrics {
 public:
  explicit InformerMetrics(prometheus::Registry& registry);

  // The counters of `resource` at 0 (those that exist are left alone).
  void started(const std::string& resource);
  void event(const std::string& resource, std::string_view type);
  void restart(const std::string& resource, std::string_view reason);
  void objects(const std::string& resource, double count);
  void synced(const std::string& resource, bool synced);
  void healthy(const std::string& resource, bool healthy);
  // Removes the series of a resource whose informer stopped.
  void forget(const std::string& resource);

 private:
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Family<prometheus::Counter>& restarts_;
  prometheus::Family<prometheus::Gauge>& objects_;
  prometheus::Family<prometheus::Gauge>& synced_;
  prometheus::Family<prometheus::Gauge>& healthy_;
  prometheus::Family<prometheus::Gauge>& last_event_;
};

}  // namespace steward::informer
