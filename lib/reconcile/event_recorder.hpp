#pragma once
// EventRecorder: writes what steward did to an object as a Kubernetes Event, without ever holding
// up or failing a reconcile.
//
// API: events.k8s.io/v1, not core v1. It is the Events API client-go's newer recorder
// (tools/events) and kubectl's `events` use, every supported server serves it (GA since 1.19; the
// real 1.20 server steward is tested against has it), and the server stores it in the same place as
// core v1 Events, so `kubectl describe` and `kubectl get events` show it too. Its fields say what
// steward needs to say: `regarding` (the object), `reportingController: steward`,
// `reportingInstance` (the host name: the pod's name in a cluster), `action` (Apply, Prune),
// `reason`, `note`, and `series` for repeats. Repeats are a PATCH of `series.count` and
// `series.lastObservedTime`; the server keeps every other field of a v1 Event immutable.
// Cluster-scoped objects get their Events in namespace `default`, as client-go's recorder does.
//
// Flow control (client-go's EventCorrelator, see event_correlator.hpp): a spam filter per object
// and aggregation of repeats within a window into one Event's count. Then, per Event, at most one
// write is in flight: repeats that arrive meanwhile are folded into one PATCH with the latest count
// once it returns. At most `max_in_flight` Events are being written at once, and writes start at
// most at `qps` a second after a `burst`; beyond either, new ones are dropped. Dropped occurrences
// are counted in steward_events_dropped_total{cause}.
//
// record() only takes a lock, decides, and spawns the write on the io_context: it never waits for
// the network and never throws. A failed write is logged and counted, never retried: the next
// occurrence writes again (a failed create starts a new Event; a PATCH answering 404, an Event the
// server has already expired, does too).
//
// Metrics (when a registry is given):
//   steward_events_dropped_total{cause}          counter  spam (per-object limit), backlog
//                                                         (too many writes in flight), rate
//                                                         (over qps and burst)
//   steward_event_writes_total{verb,result}      counter  verb create|patch, result success|failure
//
// Thread-safe. Writes hold only shared state and the sink, so the recorder may be destroyed while
// writes are in flight; drain() lets them finish first, as the sink's client must outlive them.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.hpp"
#include "kube/api_error.hpp"
#include "reconcile/event_correlator.hpp"

namespace boost::asio {
class io_context;
}
namespace prometheus {
class Registry;
}
namespace steward::kube {
class Client;
}

namespace steward::reconcile {

// Where Events go. Bodies are JSON text. Arguments are references that stay valid until the
// returned awaitable completes (by-value strings would be temporaries across a co_await, which
// GCC 12 frees twice).
class EventSink {
 public:
  virtual ~EventSink() = default;
  // POST the Event `body` (whose metadata.name is `name`) into namespace `ns`.
  virtual boost::asio::awaitable<std::optional<kube::ApiError>> create(const std::string& ns,
                                                                       const std::string& name,
                                                                       const std::string& body) = 0;
  // PATCH Event `name` in `ns` with the JSON merge patch `patch`.
  virtual boost::asio::awaitable<std::optional<kube::ApiError>> patch(
      const std::string& ns, const std::string& name, const std::string& patch) = 0;
};

// The API server, through steward's client (its throttle, breaker and retries apply). Each write
// logs its audit line (observe/audit.hpp), at debug.
class ClientEventSink final : public EventSink {
 public:
  explicit ClientEventSink(kube::Client& client) : client_(client) {}
  boost::asio::awaitable<std::optional<kube::ApiError>> create(const std::string& ns,
                                                               const std::string& name,
                                                               const std::string& body) override;
  boost::asio::awaitable<std::optional<kube::ApiError>> patch(const std::string& ns,
                                                              const std::string& name,
                                                              const std::string& patch) override;

 private:
  kube::Client& client_;
};

struct EventRecorderOptions {
  std::string reporting_controller = "steward";
  // Empty: this host's name (in a pod, the pod's name), as client-go's recorder uses.
  std::string reporting_instance;
  EventCorrelatorOptions correlation;
  // Events being written at once; more are dropped (a flood of distinct Events while the server is
  // slow must not pile up coroutines and memory).
  std::size_t max_in_flight = 64;
  // Event writes started per second (repeats folded into a write in flight take none); beyond the
  // burst, more are dropped. Events share the API client with the applies, and one per object
  // would halve a first apply of thousands of objects; kubelet bounds its Events the same way
  // (--event-qps, --event-burst).
  double qps = 25;
  int burst = 100;
  const base::Clock* clock = &base::SteadyClock::instance();
  // For eventTime and lastObservedTime; empty: std::chrono::system_clock::now.
  std::function<std::chrono::system_clock::time_point()> wall_clock;
  prometheus::Registry* registry = nullptr;
};

// Counts for tests.
struct EventRecorderStats {
  std::uint64_t recorded = 0;  // record() calls
  std::uint64_t created = 0;   // Events created
  std::uint64_t patched = 0;   // series updates written
  std::uint64_t dropped = 0;   // occurrences dropped (spam, backlog)
  std::uint64_t failed = 0;    // writes the server or the network refused
};

class EventRecorder {
 public:
  EventRecorder(boost::asio::io_context& io, std::shared_ptr<EventSink> sink,
                EventRecorderOptions options = {});
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void record(const EventRecord& event);

  // Waits up to `timeout` for the writes in flight; true when none is left.
  bool drain(std::chrono::milliseconds timeout);

  EventRecorderStats stats() const;

 private:
  struct State;
  boost::asio::io_context& io_;
  std::shared_ptr<State> state_;
};

// This host's name, or "unknown".
std::string host_name();

}  // namespace steward::reconcile
