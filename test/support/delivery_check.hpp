#pragma once
// The lost-events check (issue #22): did an informer's handlers hear of every resourceVersion the
// server produced for the objects they watch? A cache that equals a fresh list only says the last
// version arrived; this says none before it went missing.
//
// Per object key, the server's versions come from its write log (testapi_versions: creates,
// updates and deletes, whoever wrote them). A version is accounted for when
//   * delivered: a handler (add, update or delete) was given that version of that key; or
//   * superseded by a list: a list (the first, a relist after 410 or a restart, or the replay of
//     the cache to a handler added late) gave the key at a newer version. A relist owes no
//     version in between: it only shows the state now; or
//   * superseded by a list's delete: a list found the key gone, and the version lies between the
//     one the cache last held (what the delete handler is given) and the last deletion before the
//     key's next delivery. The versions after that deletion were written after the list, so a
//     watch owes them.
// Anything else is a lost event: a watch skipped it. Watch deliveries never supersede: a watch
// carries every event after its starting version, so a gap in one is a loss.
//
// Which deliveries came from a watch the recorder reads from steward_informer_events_total, the
// informer's own count of watch events: it grows by one right before the handlers of each watch
// event run, and not at all for a list's. Resyncs (update with old == new) carry nothing new and
// are not recorded.

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "informer/informer.hpp"
#include "support/testapi_admin.hpp"

namespace prometheus {
class Registry;
}

namespace steward::test {

// One version a handler was given.
struct Delivery {
  std::string key;
  std::uint64_t rv = 0;
  bool deleted = false;     // on_delete (from a list: the version the cache last held)
  bool from_watch = false;  // else from a list
};

// A version the server produced that the handlers neither heard of nor saw superseded.
struct LostEvent {
  std::string key;
  std::uint64_t rv = 0;
  bool deleted = false;
};

// The lost events among `produced` (one resource's versions, any order) given `deliveries` (that
// resource's informer's, in the order the handlers were called). Keys without a delivery count
// too: filter `produced` to the keys the informer should see.
std::vector<LostEvent> lost_events(const std::vector<TestApiVersion>& produced,
                                   const std::vector<Delivery>& deliveries);

// "chaos/o3 at 1742 (deleted)", one per line.
std::string describe(const std::vector<LostEvent>& lost);

// Handlers that record what an informer delivers. Add them with Informer::add_handlers or
// InformerManager::subscribe. Thread-safe.
class DeliveryRecorder {
 public:
  // `watch_events`: how many object events (ADDED, MODIFIED, DELETED) the informer's watches
  // have delivered so far (watch_event_count).
  explicit DeliveryRecorder(std::function<double()> watch_events);

  informer::ResourceEventHandlers handlers();
  std::vector<Delivery> deliveries() const;

 private:
  void record(const informer::ObjectPtr& object, bool deleted);

  const std::function<double()> watch_events_;
  mutable std::mutex mu_;  // guards the members below
  // Until its on_synced, a handler hears only lists (the first, or the replay of the cache).
  bool synced_ = false;
  double counted_ = 0;  // watch_events() at the last delivery
  std::vector<Delivery> deliveries_;
};

// Reads steward_informer_events_total for `resource` ("configmaps", "gadgets.example.com") from
// the registry given to the informers' InformerMetrics.
std::function<double()> watch_event_count(const prometheus::Registry& registry,
                                          std::string resource);

}  // namespace steward::test
