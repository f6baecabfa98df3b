#include "reconcile/event_recorder.hpp"

#include "base/token_bucket.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>

#include "kube/client.hpp"
#include "observe/audit.hpp"
#include "observe/log.hpp"

namespace steward::reconcile {
namespace {

const kube::ResourceType kEvents{"events.k8s.io", "v1", "events", "Event", true};
const observe::Logger kLog{"events"};
// The server's limits (k8s.io/kubernetes pkg/apis/core/validation/events.go).
constexpr std::size_t kNoteLimit = 1024;
constexpr std::size_t kReportingInstanceLimit = 128;
// Where the Events of cluster-scoped objects go. An events.k8s.io/v1 Event has an eventTime, and
// for those kube-apiserver 1.20 requires kube-system when the object has no namespace
// (pkg/apis/core/validation/events.go, legacyValidateEvent); "default", where client-go 1.20's
// events recorder puts them, is refused with 422 there ("involvedObject.namespace: Invalid value:
// \"\": does not match event.namespace"; issue #15 in the project's tracker). Later servers
// accept both.
constexpr std::string_view kClusterScopedNamespace = "kube-system";

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void put(JsonWriter& writer, std::string_view key, std::string_view value) {
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// Kubernetes MicroTime: RFC 3339 in UTC with six fractional digits.
std::string micro_time(std::chrono::system_clock::time_point when) {
  using namespace std::chrono;
  const auto micros = floor<microseconds>(when);
  const auto day = floor<days>(micros);
  const year_month_day date{day};
  const hh_mm_ss clock{micros - day};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()),
                static_cast<int>(clock.subseconds().count()));
  return text;
}

// At most `limit` bytes, not cutting a UTF-8 sequence.
std::string_view truncated(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::string event_body(const EventRecord& event, const std::string& ns, const std::string& name,
                       std::chrono::system_clock::time_point when,
                       const EventRecorderOptions& options, const std::string& instance) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  put(writer, "apiVersion", kEvents.api_version());
  put(writer, "kind", kEvents.kind);
  writer.Key("metadata");
  writer.StartObject();
  put(writer, "name", name);
  put(writer, "namespace", ns);
  writer.EndObject();
  put(writer, "eventTime", micro_time(when));
  put(writer, "reportingController", options.reporting_controller);
  put(writer, "reportingInstance", instance);
  put(writer, "action", event.action);
  put(writer, "reason", event.reason);
  writer.Key("regarding");
  writer.StartObject();
  const ObjectReference& ref = event.regarding;
  put(writer, "apiVersion", ref.api_version);
  put(writer, "kind", ref.kind);
  if (!ref.ns.empty()) put(writer, "namespace", ref.ns);
  put(writer, "name", ref.name);
  if (!ref.uid.empty()) put(writer, "uid", ref.uid);
  writer.EndObject();
  put(writer, "note", truncated(event.note, kNoteLimit));
  put(writer, "type", to_string(event.type));
  writer.EndObject();
  return buffer.GetString();
}

// The merge patch that counts up an Event's series.
std::string series_patch(int count, std::chrono::system_clock::time_point when) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  writer.Key("series");
  writer.StartObject();
  writer.Key("count");
  writer.Int(count);
  put(writer, "lastObservedTime", micro_time(when));
  writer.EndObject();
  writer.EndObject();
  return buffer.GetString();
}

struct Write {
  EventRecord event;  // of the series, to forget it when the write fails
  std::string ns;
  std::string name;
  bool create = true;  // else a series patch
  std::string body;
};

}  // namespace

// An Event write's audit line: at debug, as each Event follows from a reconcile's own audited
// write (or failure), and repeats of one would fill the log (docs/operations.md, "Audit lines").
void audit_event(std::string_view verb, const std::string& ns, const std::string& name,
                 const kube::Reply& reply) {
  const kube::WriteResult written = kube::write_result(reply.error, reply.response.status);
  observe::audit(kLog,
                 {.verb = verb,
                  .action = "event",
                  .resource = kEvents.qualified_resource(),
                  .ns = ns,
                  .name = name,
                  .code = written.code,
                  .result = written.result},
                 observe::LogLevel::kDebug);
}

boost::asio::awaitable<std::optional<kube::ApiError>> ClientEventSink::create(
    const std::string& ns, const std::string& name, const std::string& body) {
  kube::HttpRequest post{.method = "POST",
                         .target = kEvents.collection_path(ns),
                         .content_type = "application/json",
                         .body = body,
                         .verb = "create"};
  kube::Reply reply = co_await client_.request(std::move(post));
  audit_event("create", ns, name, reply);
  co_return std::move(reply.error);
}

boost::asio::awaitable<std::optional<kube::ApiError>> ClientEventSink::patch(
    const std::string& ns, const std::string& name, const std::string& patch) {
  kube::HttpRequest request{.method = "PATCH",
                            .target = kEvents.object_path(ns, name),
                            .content_type = "application/merge-patch+json",
                            .body = patch,
                            .verb = "patch"};
  kube::Reply reply = co_await client_.request(std::move(request));
  audit_event("patch", ns, name, reply);
  co_return std::move(reply.error);
}

struct EventRecorder::State {
  State(std::shared_ptr<EventSink> sink_in, EventRecorderOptions options_in)
      : sink(std::move(sink_in)),
        options(std::move(options_in)),
        instance(std::string(truncated(
            options.reporting_instance.empty() ? host_name() : options.reporting_instance,
            kReportingInstanceLimit))),
        correlator(options.correlation),
        budget(options.qps, options.burst, *options.clock) {
    if (options.registry == nullptr) return;
    auto& dropped = prometheus::BuildCounter()
                        .Name("steward_events_dropped_total")
                        .Help("Kubernetes Events not written, by cause: spam (the per-object "
                              "limit), backlog (too many writes in flight) or rate (over the "
                              "Events' own qps and burst).")
                        .Register(*options.registry);
    dropped_spam = &dropped.Add({{"cause", "spam"}});
    dropped_backlog = &dropped.Add({{"cause", "backlog"}});
    dropped_rate = &dropped.Add({{"cause", "rate"}});
    auto& writes = prometheus::BuildCounter()
                       .Name("steward_event_writes_total")
                       .Help("Writes of Kubernetes Events: verb create or patch (a repeat), "
                             "result success or failure.")
                       .Register(*options.registry);
    for (const bool create : {true, false}) {
      for (const bool ok : {true, false}) {
        write_counters[create][ok] = &writes.Add(
            {{"verb", create ? "create" : "patch"}, {"result", ok ? "success" : "failure"}});
      }
    }
  }

  std::chrono::system_clock::time_point wall_now() const {
    return options.wall_clock ? options.wall_clock() : std::chrono::system_clock::now();
  }

  void drop(prometheus::Counter* counter) {
    ++stats.dropped;
    if (counter != nullptr) counter->Increment();
  }

  // Runs the writes of one Event until nothing for it is pending.
  static boost::asio::awaitable<void> write(std::shared_ptr<State> self, Write w);
  // After a write of `w` returned: the next write for the same Event, if one is pending.
  bool finished(Write& w, const std::optional<kube::ApiError>& error);

  const std::shared_ptr<EventSink> sink;
  const EventRecorderOptions options;
  const std::string instance;
  prometheus::Counter* dropped_spam = nullptr;
  prometheus::Counter* dropped_backlog = nullptr;
  prometheus::Counter* dropped_rate = nullptr;
  prometheus::Counter* write_counters[2][2] = {};  // [create][ok]

  std::mutex mu;  // guards everything below
  std::condition_variable idle;  // notified when in_flight becomes empty
  EventCorrelator correlator;
  base::TokenBucket budget;  // writes started (options.qps, options.burst)
  // Events with a write in flight, by name; the value is the newest repeat waiting for it.
  struct Pending {
    int count;
    std::chrono::system_clock::time_point when;
  };
  std::map<std::string, std::optional<Pending>> in_flight;
  EventRecorderStats stats;
};

boost::asio::awaitable<void> EventRecorder::State::write(std::shared_ptr<State> self, Write w) {
  for (;;) {
    std::optional<kube::ApiError> error;
    try {
      if (w.create) {
        error = co_await self->sink->create(w.ns, w.name, w.body);
      } else {
        error = co_await self->sink->patch(w.ns, w.name, w.body);
      }
    } catch (const std::exception& e) {
      error = kube::ApiError::transport_failure(std::string("writing an event: ") + e.what());
    }
    if (!self->finished(w, error)) co_return;
  }
}

bool EventRecorder::State::finished(Write& w, const std::optional<kube::ApiError>& error) {
  std::lock_guard lock(mu);
  if (auto* counter = write_counters[w.create][!error]) counter->Increment();
  std::optional<Pending> next;
  if (error) {
    ++stats.failed;
    // Not retried: the next occurrence writes again. A failed create, or a patch of an Event the
    // server no longer has, starts a new Event then.
    if (w.create || error->is_not_found()) correlator.forget(w.event, w.name);
    // No response, or 404 (the namespace is not there yet, or the Event has expired): the
    // reconcile's own log says more. Anything else (403: no RBAC for Events) is worth a warning.
    const observe::LogLevel level =
        error->is_transport_failure() || error->is_not_found() ? observe::LogLevel::kDebug
                                                               : observe::LogLevel::kWarn;
    kLog.log(level, "event not written",
                 {{"event", w.ns + "/" + w.name},
                  {"reason", w.event.reason},
                  {"verb", w.create ? "create" : "patch"},
                  {"error", error->to_string()}});
  } else {
    ++(w.create ? stats.created : stats.patched);
    if (const auto found = in_flight.find(w.name); found != in_flight.end()) next = found->second;
  }
  if (!next) {
    in_flight.erase(w.name);
    if (in_flight.empty()) idle.notify_all();
    return false;
  }
  in_flight[w.name].reset();
  w.create = false;
  w.body = series_patch(next->count, next->when);
  return true;
}

EventRecorder::EventRecorder(boost::asio::io_context& io, std::shared_ptr<EventSink> sink,
                             EventRecorderOptions options)
    : io_(io), state_(std::make_shared<State>(std::move(sink), std::move(options))) {}

EventRecorder::~EventRecorder() = default;

void EventRecorder::record(const EventRecord& event) {
  State& s = *state_;
  const auto now = s.wall_now();
  Write w;
  {
    std::lock_guard lock(s.mu);
    ++s.stats.recorded;
    const Correlation c = s.correlator.observe(event, now);
    if (c.action == Correlation::Action::kDrop) {
      s.drop(s.dropped_spam);
      return;
    }
    if (const auto found = s.in_flight.find(c.name); found != s.in_flight.end()) {
      found->second = State::Pending{c.count, now};  // folded into the write in flight
      return;
    }
    if (s.in_flight.size() >= s.options.max_in_flight) {
      s.drop(s.dropped_backlog);
      if (c.action == Correlation::Action::kCreate) s.correlator.forget(event, c.name);
      return;
    }
    if (!s.budget.try_take()) {
      s.drop(s.dropped_rate);
      if (c.action == Correlation::Action::kCreate) s.correlator.forget(event, c.name);
      return;
    }
    s.in_flight.emplace(c.name, std::nullopt);
    w.event = event;
    w.ns = event.regarding.ns.empty() ? std::string(kClusterScopedNamespace) : event.regarding.ns;
    w.name = c.name;
    w.create = c.action == Correlation::Action::kCreate;
    w.body = w.create ? event_body(event, w.ns, w.name, now, s.options, s.instance)
                      : series_patch(c.count, now);
  }
  boost::asio::co_spawn(io_, State::write(state_, std::move(w)), boost::asio::detached);
}

bool EventRecorder::drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mu);
  return state_->idle.wait_for(lock, timeout, [&] { return state_->in_flight.empty(); });
}

EventRecorderStats EventRecorder::stats() const {
  std::lock_guard lock(state_->mu);
  return state_->stats;
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "unknown";
  return name;
}

}  // namespace steward::reconcile
