#pragma once
// Reflector: keeps a Store equal to the server's view of one resource type, by list then watch,
// forever, and tells an EventSink what changed. client-go's tools/cache/reflector.go (v1.20), as an
// explicit state machine:
//
//   listing      Entered at start and after a watch said 410 Gone. Lists at relist_version() (see
//                below), replaces the store and sends adds/updates/deletes for the difference.
//                -> watching; a list that fails -> backing_off, then listing again.
//   watching     Watches from the last resourceVersion seen (objects and bookmarks), with a
//                timeoutSeconds drawn between 5 and 10 minutes so watches do not expire together.
//                A clean end -> watching again at once (restart reason "timeout"). Nothing, not
//                even a bookmark, for `watch_idle_timeout` -> watching again at once (reason
//                "idle"): the connection died without closing, which says nothing against the
//                server, so no backoff and no relist. 410 -> backing_off, then listing (reason
//                "gone"). Other failures -> backing_off, then watching again from the same version
//                (reason "error"); a stream that ends within 1 s without an event counts as a
//                failure, so a server that closes at once is not hammered.
//   backing_off  Waits 800 ms .. 30 s (factor 2, jitter, reset after 2 min of health:
//                kubernetes#87794), then goes to `after_backoff_`. Two backoffs, as client-go has
//                two: one paces the list-and-watch cycles (its `backoffManager`, applied by
//                wait.BackoffUntil every time ListAndWatch returns, after a 410 too), one paces
//                re-watches after a failed watch (its `initConnBackoffManager`). So a watch that
//                keeps ending in 410 relists at most once per grown backoff, whatever the server
//                answers, while an outage's failed watches do not delay the relist that follows it.
//                A request the client's circuit breaker refused waits for the breaker instead
//                (ApiError::circuit_retry_in), and grows no backoff: refusals cost the server
//                nothing, and a backoff grown by them would outlast the outage.
//   stopped      stop() was called; the coroutine has returned.
//
// Which version a list asks for, and whether it pages (reflector.go, relistResourceVersion and
// ListAndWatch; why in the apiserver's storage/cacher/cacher.go List and storage/etcd3/store.go
// List, v1.20):
//   * The first list asks for "0", 500 a page: the apiserver's watch cache answers it, ignoring the
//     limit. If it answers in pages anyway (the watch cache is off for this type), every later list
//     pages too.
//   * A relist asks for the last version seen, WITHOUT a limit: only then does the watch cache serve
//     it, as "not older than" that version, answering its current state and version. With a limit
//     the apiserver sends it to etcd, which reads exactly AT that version and answers that version
//     again. After a kube-apiserver restart (its watch cache starts at etcd's current revision, so
//     every older watch gets 410) that made a loop: watch 410, relist at X answered X, watch from X
//     410... until etcd compacted X (minutes; issue #15 in the project's tracker).
//   * A list that answers 410 Expired (or "Too large resource version", a version the server has
//     not reached) is sent again at once as "": one consistent read from etcd, paged. Only that:
//     re-listing with "" after every watch 410 once took control planes down (kubernetes PR
//     #86430). The next successful list clears it.
//
// Health: the reflector is unhealthy once it has held no working watch for `unhealthy_after`
// (30 s) of consecutive failures (failed lists and watches, 410s, watches closed at once). A watch
// works once it delivers an event or a bookmark, or stays open for 1 s. Readiness reads it.
//
// Objects pass through `transform` before they are stored (drop managedFields and the
// last-applied annotation: steward never reads them and they are often most of an object), and
// are stored frozen (kube/frozen_object.hpp): one block of exactly the bytes they need.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "base/backoff.hpp"
#include "informer/lister_watcher.hpp"
#include "informer/store.hpp"

namespace boost::asio {
class io_context;
}

namespace steward::informer {

// What a reflector reports. Called from the reflector's coroutine, one call at a time.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_add(const ObjectPtr& object) = 0;
  virtual void on_update(const ObjectPtr& old_object, const ObjectPtr& new_object) = 0;
  virtual void on_delete(const ObjectPtr& object) = 0;
  // After the first list has been delivered.
  virtual void on_synced() = 0;
  // For metrics: a watch event of `type` (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) arrived.
  virtual void on_watch_event(std::string_view type) = 0;
  // For metrics: the watch restarts for `reason` (timeout, idle, gone, error).
  virtual void on_watch_restart(std::string_view reason) = 0;
  // For logs: the reflector became unhealthy (`detail` says for how long and the last error) or
  // healthy again. Noticed at its next failure or working watch, so up to one backoff late;
  // Reflector::health() is exact at any time.
  virtual void on_health_change(bool /*healthy*/, std::string_view /*detail*/) {}
};

// Drops what steward never reads from an object on ingest.
void default_transform(kube::Object& object);

struct ReflectorOptions {
  int page_size = 500;  // as client-go
  // The watch's timeoutSeconds is drawn uniformly from this range (client-go: 5..10 min).
  std::chrono::seconds min_watch_timeout{300};
  std::chrono::seconds max_watch_timeout{600};
  // A watch that hears nothing this long, not even a bookmark, is taken for dead and opened again
  // from its version (kube::WatchOptions::idle_timeout says why 90 s). Tests shorten it.
  std::chrono::milliseconds watch_idle_timeout = kube::WatchOptions{}.idle_timeout;
  std::string label_selector;
  std::string field_selector;
  // Both backoffs (relists, re-watches): 800 ms .. 30 s, factor 2, jitter 1, reset after 2 min.
  base::BackoffOptions backoff{};
  // Held no working watch for this long: unhealthy (readiness fails). 30 s: longer than a watch's
  // ordinary reconnects (the backoff's first steps, a bookmark's minute is not needed), shorter
  // than a kubelet's patience with a pod that says it is ready and sees nothing.
  std::chrono::seconds unhealthy_after{30};
  // Health and the short-watch rule read time here (tests move a FakeClock).
  const base::Clock* clock = &base::SteadyClock::instance();
  // Edits each object before it is frozen into the cache; the parsed original (and the memory of
  // what was removed from it) goes right after.
  std::function<void(kube::Object&)> transform = default_transform;
  std::uint64_t seed = std::random_device{}();
};

// How a reflector stands, for readiness and metrics.
struct ReflectorHealth {
  bool healthy = true;
  // How long it has held no working watch (zero while it holds one).
  std::chrono::seconds failing_for{0};
  std::string last_error;  // the failure that started or last continued that stretch
};
// "no watch for 31 s (last error: ...)", or "watching".
std::string to_string(const ReflectorHealth& health);

class Reflector {
 public:
  enum class State { listing, watching, backing_off, stopped };

  Reflector(std::unique_ptr<ListerWatcher> source, Store& store, EventSink& sink,
            ReflectorOptions options = {});

  // The loop; returns after stop(). Run it with co_spawn on a strand shared with anything else
  // that calls the sink.
  boost::asio::awaitable<void> run();
  // From any thread: ends run() soon (closes the watch, wakes a backoff).
  void stop();

  State state() const { return state_.load(); }
  // The last resourceVersion seen (list, event or bookmark).
  std::string last_resource_version() const;
  // From any thread.
  ReflectorHealth health() const;

 private:
  boost::asio::awaitable<void> list();
  boost::asio::awaitable<void> watch();
  boost::asio::awaitable<void> back_off();
  ObjectPtr ingest(std::shared_ptr<kube::Object> object) const;
  void store_object(kube::WatchEvent& event);
  // A watch failed (`what`: why): noted for health, counted as a restart ("gone" for a 410,
  // else "error"), then backing_off and a relist (410) or another watch.
  void watch_failed(std::string what, bool gone,
                    const std::optional<kube::ApiError>& error = std::nullopt);
  void watch_failed(const kube::ApiError& error);
  // After a failed list or watch: back off (for as long as `error` asks, if it does), then `then`.
  void back_off_after(const std::optional<kube::ApiError>& error, State then);
  void set_version(std::string_view version);
  // resourceVersion for the next list: "" after a list the server could not answer at the last
  // version, "0" before any version is known, else the last version seen.
  std::string relist_version() const;
  // Health bookkeeping: a failure starts (or continues) an unhealthy stretch; a working watch
  // ends it.
  void note_failure(std::string what);
  void note_watch_works();
  ReflectorHealth health_locked(base::Clock::time_point now) const;

  std::unique_ptr<ListerWatcher> source_;
  Store& store_;
  EventSink& sink_;
  ReflectorOptions options_;
  const base::Clock& clock_;
  base::Backoff relist_backoff_;   // before a list that follows a 410 or a failed list
  base::Backoff rewatch_backoff_;  // before a watch that follows a failed watch
  std::mt19937_64 random_;

  // The members up to mu_ are touched only by the reflector's coroutine.
  std::atomic<State> state_{State::listing};
  State after_backoff_ = State::listing;  // where backing_off goes next
  // The server paged the first ("0") list: its watch cache is off for this type, so lists page.
  bool paginated_result_ = false;
  // The last list at the last version seen answered 410 or "too large": the next one asks "".
  bool version_unavailable_ = false;
  // The next backing_off's wait, when the failure said how long (an open circuit breaker).
  std::optional<std::chrono::milliseconds> next_wait_;
  bool synced_ = false;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;  // guards the members below, read by other threads
  std::string last_version_;
  kube::WatchStream* current_watch_ = nullptr;  // the open watch, to close on stop()
  std::function<void()> cancel_wait_;           // wakes back_off()
  // Health: when the current stretch without a working watch began (none: healthy), its last
  // failure, when the open watch opened (none: no watch open, or it has already worked), and
  // whether on_health_change last said unhealthy.
  std::optional<base::Clock::time_point> failing_since_;
  std::string last_error_;
  std::optional<base::Clock::time_point> watch_opened_at_;
  bool reported_unhealthy_ = false;
};

}  // namespace steward::informer
