#pragma once
// Informer: a Reflector, its Store, and the handlers that want to hear about changes
// (client-go's SharedIndexInformer).
//
//   * Handlers get add, update (old and new) and delete, in the order the reflector saw them, one at
//     a time: the reflector and the resync timer both run on the informer's strand.
//   * Handlers added after the informer started first get every cached object as an add.
//   * Every `resync` period the cached objects are re-delivered as updates (old == new), so a
//     reconciler that missed or dropped something gets another chance.
//   * has_synced() is true once the first list has been delivered to the handlers, and each
//     handler's on_synced is called then (a reconciler's keys that waited for the cache go now).
//
// Lifetime: create with std::make_shared; start() keeps it alive until its coroutines end after
// stop(). Handlers run on an I/O thread: they must be quick (steward's only enqueue a key).

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "informer/informer_metrics.hpp"
#include "informer/reflector.hpp"
#include "informer/store.hpp"

namespace boost::asio {
class io_context;
}

namespace steward::informer {

struct ResourceEventHandlers {
  std::function<void(const ObjectPtr&)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
  std::function<void(const ObjectPtr&)> on_delete;
  // Once the first list has been delivered (at once, after the replay, for handlers added later).
  std::function<void()> on_synced;
};

struct InformerOptions {
  ReflectorOptions reflector;
  // Re-delivery of every cached object as an update; zero turns it off. 10 min, as
  // controller-runtime's default SyncPeriod is in spirit (it uses 10 h; steward's drift rule makes a
  // resync cost no API call, so a shorter period is cheap).
  std::chrono::seconds resync{600};
  // Label for metrics, e.g. "deployments.apps".
  std::string resource;
  InformerMetrics* metrics = nullptr;
  // Custom indexes of the store (Store::add_index), by name; the namespace index is built in.
  std::map<std::string, Store::IndexFunc, std::less<>> indexes;
};

class Informer : public std::enable_shared_from_this<Informer>, private EventSink {
 public:
  using HandlerId = std::uint64_t;

  Informer(boost::asio::io_context& io, std::unique_ptr<ListerWatcher> source,
           InformerOptions options);
  ~Informer() override;

  HandlerId add_handlers(ResourceEventHandlers handlers);
  // After this returns the handlers are not called again, except for a call already running.
  void remove_handlers(HandlerId id);
  std::size_t handler_count() const;

  void start();
  // No handler call starts after this returns; one running meanwhile on the I/O thread finishes.
  void stop();
  // After stop(): returns once no handler runs, so whatever the handlers capture may be destroyed.
  // Called on the strand (by a handler that stops its own informer), it returns at once. Not to be
  // called while holding a lock a handler takes.
  void wait_for_handlers();

  bool has_synced() const { return synced_.load(); }
  // Whether its reflector holds a working watch (Reflector::health()).
  ReflectorHealth health() const { return reflector_.health(); }
  const Store& store() const { return store_; }
  const std::string& resource() const { return options_.resource; }

 private:
  void on_add(const ObjectPtr& object) override;
  void on_update(const ObjectPtr& old_object, const ObjectPtr& new_object) override;
  void on_delete(const ObjectPtr& object) override;
  void on_synced() override;
  void on_watch_event(std::string_view type) override;
  void on_watch_restart(std::string_view reason) override;
  void on_health_change(bool healthy, std::string_view detail) override;

  struct Entry {
    ResourceEventHandlers handlers;
    // Set on the strand once the entry has been given the cached objects; until then events skip
    // it, so it never sees an update before the add.
    bool ready = false;
  };
  // The handlers to call now (a snapshot: handlers may be added or removed meanwhile).
  std::vector<std::shared_ptr<Entry>> ready_handlers() const;
  // Calls call(handlers) for each ready entry, unless stopped: under delivery_mu_, which stop()
  // takes to wait for it.
  template <class Call>
  void deliver(const Call& call);
  void count_objects();

  struct Impl;  // the strand and the resync timer: Asio stays out of this header
  std::unique_ptr<Impl> impl_;
  const InformerOptions options_;
  Store store_;
  Reflector reflector_;
  std::atomic<bool> synced_{false};
  std::atomic<bool> stopped_{false};
  // Held while handlers run (always on the strand, so only stop() ever waits for it).
  std::mutex delivery_mu_;

  mutable std::mutex handlers_mu_;  // guards handlers_ and next_id_
  std::map<HandlerId, std::shared_ptr<Entry>> handlers_;
  HandlerId next_id_ = 1;
};

}  // namespace steward::informer
