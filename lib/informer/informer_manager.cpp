#include "informer/informer_manager.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace steward::informer {
namespace asio = boost::asio;

namespace {
std::string kind_key(const std::string& api_version, const std::string& kind) {
  return api_version + "/" + kind;
}
}  // namespace

InformerManager::InformerManager(asio::io_context& io, kube::Client& client,
                                 kube::Discovery& discovery, InformerManagerOptions options)
    : io_(io), client_(client), discovery_(discovery), options_(std::move(options)) {}

InformerManager::~InformerManager() { stop(); }

InformerManager::SubscriptionId InformerManager::subscribe(const std::string& api_version,
                                                           const std::string& kind,
                                                           ResourceEventHandlers handlers) {
  const std::string key = kind_key(api_version, kind);
  std::lock_guard guard(mu_);
  const SubscriptionId id = next_id_++;
  subscription_kind_[id] = key;
  Kind& entry = kinds_[key];
  entry.api_version = api_version;
  entry.kind = kind;
  entry.subscribers.emplace(id, handlers);
  if (entry.informer) {
    entry.handler_ids[id] = entry.informer->add_handlers(std::move(handlers));
  } else if (!entry.resolving && !stopped_) {
    entry.resolving = true;
    // Posted, not spawned here: on an I/O thread co_spawn starts the coroutine at once, and
    // resolve() takes mu_, which this thread holds.
    asio::post(io_, [this, key] { asio::co_spawn(io_, resolve(key), asio::detached); });
  }
  return id;
}

void InformerManager::unsubscribe(SubscriptionId id) {
  std::lock_guard guard(mu_);
  auto sub = subscription_kind_.find(id);
  if (sub == subscription_kind_.end()) return;
  auto it = kinds_.find(sub->second);
  subscription_kind_.erase(sub);
  if (it == kinds_.end()) return;
  Kind& entry = it->second;
  entry.subscribers.erase(id);
  if (auto handler = entry.handler_ids.find(id); handler != entry.handler_ids.end()) {
    entry.informer->remove_handlers(handler->second);
    entry.handler_ids.erase(handler);
  }
  if (!entry.subscribers.empty()) return;
  // The last consumer left: the informer goes (a resolving coroutine notices the entry is gone).
  if (entry.informer) entry.informer->stop();
  kinds_.erase(it);
}

asio::awaitable<void> InformerManager::resolve(std::string key) {
  std::string api_version;
  std::string kind;
  {
    std::lock_guard guard(mu_);
    auto it = kinds_.find(key);
    if (it == kinds_.end()) co_return;
    api_version = it->second.api_version;
    kind = it->second.kind;
  }
  base::Backoff backoff(options_.unknown_kind_backoff);
  for (;;) {
    kube::ResolveResult result = co_await discovery_.resolve(api_version, kind);
    {
      std::lock_guard guard(mu_);
      auto it = kinds_.find(key);
      if (it == kinds_.end() || stopped_) co_return;  // nobody wants it any more
      Kind& entry = it->second;
      if (entry.informer) co_return;  // another resolution (after a re-subscribe) got there first
      if (result.type) {
        entry.type = std::move(result.type);
        entry.resolving = false;
        start_informer_locked(entry);
        co_return;
      }
      entry.waiting_reason = result.error ? "discovery failed: " + result.error->to_string()
                                          : "kind not served by the API server";
    }
    // Refused by the client's open circuit breaker: ask again when it lets a probe through, not
    // on a backoff grown by refusals that cost the server nothing.
    const auto breaker_wait = result.error ? result.error->circuit_retry_in() : std::nullopt;
    auto timer = std::make_shared<asio::steady_timer>(io_);
    timer->expires_after(breaker_wait ? base::Clock::duration(*breaker_wait) : backoff.next());
    {
      std::lock_guard guard(mu_);
      auto it = kinds_.find(key);
      if (it == kinds_.end() || stopped_) co_return;
      it->second.retry_owner = timer;
      it->second.cancel_retry = [weak = std::weak_ptr(timer)] {
        if (auto waiting = weak.lock()) waiting->cancel();
      };
    }
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    {
      std::lock_guard guard(mu_);
      auto it = kinds_.find(key);
      if (it != kinds_.end() && it->second.retry_owner == timer) {
        it->second.retry_owner.reset();
        it->second.cancel_retry = nullptr;
      }
    }
  }
}

void InformerManager::retry_unresolved() {
  std::lock_guard guard(mu_);
  for (auto& [key, kind] : kinds_) {
    if (kind.cancel_retry) kind.cancel_retry();
  }
}

void InformerManager::start_informer_locked(Kind& entry) {
  const kube::ResourceType& type = *entry.type;
  InformerOptions informer_options;
  informer_options.reflector.label_selector = options_.label_selector;
  informer_options.reflector.backoff = options_.watch_backoff;
  informer_options.reflector.unhealthy_after = options_.watch_unhealthy_after;
  informer_options.reflector.watch_idle_timeout = options_.watch_idle_timeout;
  informer_options.resync = options_.resync;
  informer_options.resource = type.qualified_resource();
  informer_options.metrics = options_.metrics;
  informer_options.indexes = options_.indexes;
  informer_options.reflector.transform = options_.transform;
  auto source = options_.source ? options_.source(type)
                                : std::make_unique<ClientListerWatcher>(client_, type);
  entry.informer = std::make_shared<Informer>(io_, std::move(source), informer_options);
  for (const auto& [id, handlers] : entry.subscribers) {
    entry.handler_ids[id] = entry.informer->add_handlers(handlers);
  }
  entry.informer->start();
}

std::shared_ptr<Informer> InformerManager::informer(const std::string& api_version,
                                                    const std::string& kind) const {
  std::lock_guard guard(mu_);
  auto it = kinds_.find(kind_key(api_version, kind));
  return it == kinds_.end() ? nullptr : it->second.informer;
}

std::optional<kube::ResourceType> InformerManager::resource_type(const std::string& api_version,
                                                                 const std::string& kind) const {
  std::lock_guard guard(mu_);
  auto it = kinds_.find(kind_key(api_version, kind));
  return it == kinds_.end() ? std::nullopt : it->second.type;
}

bool InformerManager::synced() const { return not_ready().empty(); }

std::vector<std::string> InformerManager::not_ready() const {
  std::lock_guard guard(mu_);
  std::vector<std::string> out;
  for (const auto& [key, entry] : kinds_) {
    if (!entry.informer) {
      out.push_back(key + ": " + entry.waiting_reason);
    } else if (!entry.informer->has_synced()) {
      out.push_back(key + ": informer not synced");
    }
  }
  return out;
}

std::vector<std::string> InformerManager::unhealthy() const {
  std::lock_guard guard(mu_);
  std::vector<std::string> out;
  for (const auto& [key, entry] : kinds_) {
    if (!entry.informer) continue;
    const ReflectorHealth health = entry.informer->health();
    if (!health.healthy) out.push_back(entry.informer->resource() + ": " + to_string(health));
  }
  return out;
}

void InformerManager::update_health_metrics() const {
  if (!options_.metrics) return;
  std::lock_guard guard(mu_);
  for (const auto& [key, entry] : kinds_) {
    if (entry.informer) {
      options_.metrics->healthy(entry.informer->resource(), entry.informer->health().healthy);
    }
  }
}

std::size_t InformerManager::informer_count() const {
  std::lock_guard guard(mu_);
  std::size_t count = 0;
  for (const auto& [key, entry] : kinds_) count += entry.informer ? 1 : 0;
  return count;
}

void InformerManager::stop() {
  std::vector<std::shared_ptr<Informer>> stopping;
  {
    std::lock_guard guard(mu_);
    stopped_ = true;
    for (auto& [key, entry] : kinds_) {
      if (entry.informer) stopping.push_back(entry.informer);
    }
    kinds_.clear();
    subscription_kind_.clear();
  }
  // Outside mu_: a handler running now may call back into the manager.
  for (const auto& informer : stopping) informer->stop();
  for (const auto& informer : stopping) informer->wait_for_handlers();
}

}  // namespace steward::informer
