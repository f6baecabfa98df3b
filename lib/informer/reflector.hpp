#pragma once
// Reflector: keeps a Store equal to the server's view of one resource type, by list then watch,
// forever, and tells an EventSink what changed. client-go's tools/cache/reflector.go, as an explicit
// state machine:
//
//   listing      Entered at start, after a watch says 410 Gone, and after errors that may have
//                lost events. Lists every page (500 a page) at `list_from`, replaces the store and
//                sends adds/updates/deletes for the difference. The first list asks for "0" (the
//                apiserver's watch cache: cheap); after a 410 it asks for the last version seen (also
//                from the cache); only if that list itself says 410 does it ask for "" (a quorum read
//                from etcd). Re-listing with "" after every 410 once took control planes down
//                (kubernetes PR #86430). -> watching, or backing_off on error.
//   watching     Watches from the last resourceVersion seen (objects and bookmarks), with a
//                timeoutSeconds drawn between 5 and 10 minutes so watches do not expire together.
//                A clean end -> watching again at once (restart reason "timeout"). 410 -> listing
//                (reason "gone"). Other failures -> backing_off, then watching again from the same
//                version (reason "error"); a stream that ends within 1 s without an event counts as
//                a failure, so a server that closes at once is not hammered.
//   backing_off  Waits 800 ms .. 30 s (factor 2, jitter, reset after 2 min of health:
//                kubernetes#87794), then goes to `after_backoff_`. A request the client's circuit
//                breaker refused waits for the breaker instead (ApiError::circuit_retry_in), and
//                does not grow the backoff: refusals cost the server nothing, and a backoff grown
//                by them would outlast the outage.
//   stopped      stop() was called; the coroutine has returned.
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
  // For metrics: the watch restarts for `reason` (timeout, gone, error).
  virtual void on_watch_restart(std::string_view reason) = 0;
};

// Drops what steward never reads from an object on ingest.
void default_transform(kube::Object& object);

struct ReflectorOptions {
  int page_size = 500;  // as client-go
  // The watch's timeoutSeconds is drawn uniformly from this range (client-go: 5..10 min).
  std::chrono::seconds min_watch_timeout{300};
  std::chrono::seconds max_watch_timeout{600};
  std::string label_selector;
  std::string field_selector;
  base::BackoffOptions backoff{};  // 800 ms .. 30 s, factor 2, jitter 1, reset after 2 min
  // Edits each object before it is frozen into the cache; the parsed original (and the memory of
  // what was removed from it) goes right after.
  std::function<void(kube::Object&)> transform = default_transform;
  std::uint64_t seed = std::random_device{}();
};

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

 private:
  boost::asio::awaitable<void> list();
  boost::asio::awaitable<void> watch();
  boost::asio::awaitable<void> back_off();
  ObjectPtr ingest(std::shared_ptr<kube::Object> object) const;
  void store_object(kube::WatchEvent& event);
  void restart(std::string_view reason, State next);
  // After a failed list or watch: back off, for as long as `error` asks if it does.
  void back_off_after(const kube::ApiError& error, State then);
  void set_version(std::string_view version);

  std::unique_ptr<ListerWatcher> source_;
  Store& store_;
  EventSink& sink_;
  ReflectorOptions options_;
  base::Backoff backoff_;
  std::mt19937_64 random_;

  std::atomic<State> state_{State::listing};
  State after_backoff_ = State::listing;  // where backing_off goes next
  std::string list_from_ = "0";            // resourceVersion for the next list
  // The next backing_off's wait, when the failure said how long (an open circuit breaker).
  std::optional<std::chrono::milliseconds> next_wait_;
  bool synced_ = false;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mu_;  // guards the three below, touched by stop() from other threads
  std::string last_version_;
  kube::WatchStream* current_watch_ = nullptr;  // the open watch, to close on stop()
  std::function<void()> cancel_wait_;           // wakes back_off()
};

}  // namespace steward::informer
