#pragma once
// EventCorrelator: decides, for one occurrence of an Event, whether it starts a new Event, is a
// repeat that only raises an existing Event's count, or is spam to drop. It is client-go's
// EventCorrelator (tools/record/events_cache.go), with the same defaults:
//
//   spam filter   a token bucket per object (regarding apiVersion, kind, namespace and name):
//                 25 at once, then one more every 5 minutes. Every occurrence takes a token,
//                 repeats included, as in client-go: a hot loop writes 25 times, then once per
//                 5 minutes, whatever the reasons. An occurrence without a token is dropped.
//   aggregation   occurrences with the same object (uid included), type, reason, action and note
//                 whose previous occurrence was at most `window` ago (10 minutes, client-go's
//                 aggregation interval) are one Event: the first creates it, each repeat counts
//                 up its series. Once the window passes without a repeat the next one starts a
//                 new Event.
//   memory        both tables are bounded (4096 entries each, client-go's maxLruCacheEntries),
//                 least recently used out first: a forgotten object only gets a fresh bucket and
//                 a new Event.
//
// The object's uid is not part of the spam key: an object someone deletes over and over comes back
// with a new uid each time, and its Events must still be limited.
//
// Not thread-safe: the EventRecorder calls it under its own lock. Time comes from a base::Clock
// (the window and the buckets); Event names are made from the wall time the caller passes, as
// client-go names them ("<object>.<unix nanoseconds in hex>"), so they do not collide with the
// Events of an earlier run of steward.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.hpp"

namespace steward::reconcile {

// The object an Event is about (its `regarding`).
struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string ns;   // empty for a cluster-scoped object
  std::string name;
  std::string uid;  // empty when not known (an object that could not be created)

  bool empty() const { return name.empty(); }
};

enum class EventType { kNormal, kWarning };
std::string_view to_string(EventType type);  // "Normal", "Warning"

// One occurrence of something steward did to an object, or failed to do.
struct EventRecord {
  ObjectReference regarding;
  EventType type = EventType::kNormal;
  std::string reason;  // UpperCamelCase: Created, DriftCorrected, Pruned, ApplyFailed, ...
  std::string action;  // what steward did or tried: Apply, Prune
  std::string note;    // for people
};

struct EventCorrelatorOptions {
  // Repeats closer together than this are one Event (client-go: 600 s).
  base::Clock::duration window = std::chrono::minutes(10);
  // Occurrences per object at once before the spam filter drops (client-go: 25).
  int spam_burst = 25;
  // One more occurrence per object is let through every this long (client-go: qps 1/300).
  base::Clock::duration spam_refill = std::chrono::minutes(5);
  // Objects (spam buckets) and Events (series) remembered, each (client-go: 4096).
  std::size_t max_entries = 4096;
  const base::Clock* clock = &base::SteadyClock::instance();
};

struct Correlation {
  enum class Action {
    kDrop,    // spam: write nothing
    kCreate,  // a new Event named `name`
    kUpdate,  // a repeat: Event `name` now counts `count` occurrences
  };
  Action action = Action::kDrop;
  std::string name;  // the Event's metadata.name
  int count = 0;     // occurrences in that Event, this one included (1 for a create)
};

class EventCorrelator {
 public:
  explicit EventCorrelator(EventCorrelatorOptions options = {});
  ~EventCorrelator();
  EventCorrelator(const EventCorrelator&) = delete;
  EventCorrelator& operator=(const EventCorrelator&) = delete;

  // `wall_now` names a new Event; the window and the buckets run on the options' clock.
  Correlation observe(const EventRecord& event, std::chrono::system_clock::time_point wall_now);

  // Event `name` of `event`'s series was never written or has vanished from the server: the next
  // occurrence starts a new Event instead of updating it.
  void forget(const EventRecord& event, const std::string& name);

 private:
  struct Tables;
  const EventCorrelatorOptions options_;
  std::unique_ptr<Tables> tables_;
  std::int64_t last_name_nanos_ = 0;  // names stay unique when the wall clock stands still
};

// A valid Event name for an Event about `object_name` (a DNS subdomain: RBAC object names may hold
// ':' or capitals, which Event names may not) made unique by `nanos`.
std::string event_name(std::string_view object_name, std::int64_t nanos);

}  // namespace steward::reconcile
