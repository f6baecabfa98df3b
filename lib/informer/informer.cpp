#include "informer/informer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "observe/log.hpp"

namespace steward::informer {
namespace asio = boost::asio;

namespace {
const observe::Logger kLog{"informer"};
}  // namespace

struct Informer::Impl {
  explicit Impl(asio::io_context& io) : strand(asio::make_strand(io)), resync_timer(strand) {}
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer resync_timer;
};

Informer::Informer(asio::io_context& io, std::unique_ptr<ListerWatcher> source,
                   InformerOptions options)
    : impl_(std::make_unique<Impl>(io)),
      options_(std::move(options)),
      reflector_(std::move(source), store_, *this, options_.reflector) {
  for (const auto& [name, index] : options_.indexes) store_.add_index(name, index);
}

Informer::~Informer() = default;

Informer::HandlerId Informer::add_handlers(ResourceEventHandlers handlers) {
  auto entry = std::make_shared<Entry>(Entry{std::move(handlers), false});
  HandlerId id;
  {
    std::lock_guard guard(handlers_mu_);
    id = next_id_++;
    handlers_.emplace(id, entry);
  }
  // On the strand, so no event is delivered between the replay and the entry going live.
  asio::post(impl_->strand, [self = shared_from_this(), id, entry] {
    std::lock_guard delivering(self->delivery_mu_);
    if (self->stopped_) return;
    {
      std::lock_guard guard(self->handlers_mu_);
      if (!self->handlers_.count(id)) return;  // removed meanwhile
    }
    if (entry->handlers.on_add) {
      for (const auto& object : self->store_.list()) entry->handlers.on_add(object);
    }
    // on_synced() runs on this strand too: it either saw this entry ready or set synced_ before.
    if (self->synced_ && entry->handlers.on_synced) entry->handlers.on_synced();
    std::lock_guard guard(self->handlers_mu_);
    entry->ready = true;
  });
  return id;
}

void Informer::remove_handlers(HandlerId id) {
  std::lock_guard guard(handlers_mu_);
  handlers_.erase(id);
}

std::size_t Informer::handler_count() const {
  std::lock_guard guard(handlers_mu_);
  return handlers_.size();
}

template <class Call>
void Informer::deliver(const Call& call) {
  std::lock_guard delivering(delivery_mu_);
  if (stopped_) return;
  for (const auto& entry : ready_handlers()) call(entry->handlers);
}

std::vector<std::shared_ptr<Informer::Entry>> Informer::ready_handlers() const {
  std::lock_guard guard(handlers_mu_);
  std::vector<std::shared_ptr<Entry>> out;
  out.reserve(handlers_.size());
  for (const auto& [id, entry] : handlers_) {
    if (entry->ready) out.push_back(entry);
  }
  return out;
}

void Informer::start() {
  auto self = shared_from_this();
  // 0 until the first list is delivered, so an informer that never syncs shows, not vanishes.
  if (options_.metrics) {
    options_.metrics->started(options_.resource);
    options_.metrics->synced(options_.resource, false);
    options_.metrics->healthy(options_.resource, true);  // until a scrape finds otherwise
  }
  asio::co_spawn(impl_->strand, [self]() { return self->reflector_.run(); }, asio::detached);
  if (options_.resync.count() == 0) return;
  asio::co_spawn(
      impl_->strand,
      [self]() -> asio::awaitable<void> {
        while (!self->stopped_) {
          self->impl_->resync_timer.expires_after(self->options_.resync);
          // Cancelled by stop(); the loop condition notices.
          co_await self->impl_->resync_timer.async_wait(asio::as_tuple(asio::use_awaitable));
          if (self->stopped_ || !self->synced_) continue;
          const auto objects = self->store_.list();
          self->deliver([&](const ResourceEventHandlers& handlers) {
            if (!handlers.on_update) return;
            for (const auto& object : objects) handlers.on_update(object, object);
          });
        }
      },
      asio::detached);
}

void Informer::stop() {
  stopped_ = true;
  reflector_.stop();
  asio::post(impl_->strand, [self = shared_from_this()] { self->impl_->resync_timer.cancel(); });
  if (options_.metrics) options_.metrics->forget(options_.resource);
}

void Informer::wait_for_handlers() {
  // Every delivery runs on the strand: from there, the delivery running is the caller's own.
  if (impl_->strand.running_in_this_thread()) return;
  std::lock_guard wait(delivery_mu_);
}

void Informer::count_objects() {
  // After stop() its series are forgotten; a late count would bring one back.
  if (options_.metrics && !stopped_) {
    options_.metrics->objects(options_.resource, static_cast<double>(store_.size()));
  }
}

void Informer::on_add(const ObjectPtr& object) {
  deliver([&](const ResourceEventHandlers& handlers) {
    if (handlers.on_add) handlers.on_add(object);
  });
  count_objects();
}

void Informer::on_update(const ObjectPtr& old_object, const ObjectPtr& new_object) {
  deliver([&](const ResourceEventHandlers& handlers) {
    if (handlers.on_update) handlers.on_update(old_object, new_object);
  });
}

void Informer::on_delete(const ObjectPtr& object) {
  deliver([&](const ResourceEventHandlers& handlers) {
    if (handlers.on_delete) handlers.on_delete(object);
  });
  count_objects();
}

void Informer::on_synced() {
  synced_ = true;
  if (options_.metrics) options_.metrics->synced(options_.resource, true);
  deliver([](const ResourceEventHandlers& handlers) {
    if (handlers.on_synced) handlers.on_synced();
  });
}

void Informer::on_watch_event(std::string_view type) {
  if (options_.metrics) options_.metrics->event(options_.resource, type);
}

void Informer::on_watch_restart(std::string_view reason) {
  if (options_.metrics) options_.metrics->restart(options_.resource, reason);
  // Unlike the server's timeouts, a silent watch may mean something on the way drops connections.
  // Debug, not info: a kind the server's watch cache has seen no change to since it started gets
  // no bookmarks (v1.20 cacher.go dispatchEvents), so on a quiet cluster every such kind's watch
  // goes idle every 90 s, harmlessly; 50 CRDs would log a line every two seconds. The metric
  // (steward_watch_restarts_total{reason="idle"}) counts them all.
  if (reason == "idle") {
    const std::string detail =
        "no event or bookmark for " +
        std::to_string(options_.reflector.watch_idle_timeout.count()) +
        " ms; watching again from the last version seen";
    kLog.debug("watch went silent", {{"resource", options_.resource}, {"detail", detail}});
  }
}

void Informer::on_health_change(bool healthy, std::string_view detail) {
  if (healthy) {
    kLog.info("watching again", {{"resource", options_.resource}});
  } else {
    // Readiness fails from now on (the informers check), until a watch works again.
    kLog.warn("cannot watch", {{"resource", options_.resource}, {"detail", detail}});
  }
}

}  // namespace steward::informer
