#pragma once
// InformerManager: the dynamic informer layer. Consumers subscribe to kinds (apiVersion + kind) as
// the desired state names them; the manager runs one shared Informer per kind, starts it on the
// first subscription and stops it when the last one leaves, at any time while running.
//
// A kind that discovery does not know yet (a CRD not created yet) is retried with backoff (or,
// while the client's circuit breaker is open, when it next lets a probe through); its
// informer starts when the kind appears, without restarting anything else. Until then it is
// reported by not_ready(). All informers share the io_context's threads: no thread per informer.
// Thread-safe.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/backoff.hpp"
#include "informer/informer.hpp"
#include "kube/discovery.hpp"

namespace steward::informer {

struct InformerManagerOptions {
  // Only objects matching this are cached (steward: its ownership label), so memory grows with
  // what steward manages, not with the cluster.
  std::string label_selector;
  std::chrono::seconds resync{600};
  // Between failed list/watch attempts of each informer (the reflector's default; tests shorten it).
  base::BackoffOptions watch_backoff{};
  // An informer that has held no working watch for this long is unhealthy (ReflectorOptions).
  std::chrono::seconds watch_unhealthy_after = ReflectorOptions{}.unhealthy_after;
  // A watch silent this long, not even a bookmark, is opened again (ReflectorOptions; tests
  // shorten it).
  std::chrono::milliseconds watch_idle_timeout = ReflectorOptions{}.watch_idle_timeout;
  // Between discovery attempts for a kind that is not served yet: 1 s .. 10 s (+ up to half of it
  // at random). 10 s is discovery's own least refresh interval (DiscoveryOptions): asking more
  // often finds nothing new, and one refresh answers every missing kind, so N of them still cost
  // one refresh per 10 s. A longer cap only delays a CRD someone else installs (at 60 s it was
  // found up to 90 s later).
  base::BackoffOptions unknown_kind_backoff{.initial = std::chrono::seconds(1),
                                            .max = std::chrono::seconds(10),
                                            .factor = 2.0,
                                            .jitter = 0.5,
                                            .reset_after = base::Clock::duration::zero()};
  InformerMetrics* metrics = nullptr;
  // What every object goes through before it is cached (ReflectorOptions::transform).
  std::function<void(kube::Object&)> transform = default_transform;
  // Custom indexes every informer's store keeps (InformerOptions::indexes).
  std::map<std::string, Store::IndexFunc, std::less<>> indexes;
  // Makes the list/watch source for a type; the default goes through the client.
  std::function<std::unique_ptr<ListerWatcher>(const kube::ResourceType&)> source;
};

class InformerManager {
 public:
  using SubscriptionId = std::uint64_t;

  InformerManager(boost::asio::io_context& io, kube::Client& client, kube::Discovery& discovery,
                  InformerManagerOptions options = {});
  ~InformerManager();

  SubscriptionId subscribe(const std::string& api_version, const std::string& kind,
                           ResourceEventHandlers handlers);
  void unsubscribe(SubscriptionId id);

  // The running informer for a kind (for cache reads), or nullptr.
  std::shared_ptr<Informer> informer(const std::string& api_version, const std::string& kind) const;
  // The resource type a kind resolved to, if it has.
  std::optional<kube::ResourceType> resource_type(const std::string& api_version,
                                                  const std::string& kind) const;

  // True when every subscribed kind has a synced informer.
  bool synced() const;
  // "apiVersion/Kind: why" for each subscribed kind that is not synced yet.
  std::vector<std::string> not_ready() const;
  // "resource: no watch for 31 s (last error: ...)" for each running informer that has held no
  // working watch for longer than watch_unhealthy_after (it may have synced long ago: its cache
  // is frozen while it cannot watch).
  std::vector<std::string> unhealthy() const;
  // Sets steward_informer_healthy for each running informer; before a scrape (health changes
  // with time alone, so it is read rather than kept up to date).
  void update_health_metrics() const;
  std::size_t informer_count() const;

  // Kinds not served yet are looked up again now, not when their backoff ends (the caller knows
  // the server's kinds changed: a CRD it applied was established).
  void retry_unresolved();

  // Stops every informer; subscriptions are dropped. No handler runs after it returns (called from
  // a handler, all but that one), so what they capture may go. Not to be called while holding a
  // lock a handler takes.
  void stop();

 private:
  struct Kind {
    std::string api_version;
    std::string kind;
    std::map<SubscriptionId, ResourceEventHandlers> subscribers;
    std::shared_ptr<Informer> informer;
    std::map<SubscriptionId, Informer::HandlerId> handler_ids;  // subscriber -> its informer handlers
    std::optional<kube::ResourceType> type;
    std::string waiting_reason = "resolving kind";
    bool resolving = false;
    // Ends the resolution's wait between lookups at once (empty while it looks up):
    // retry_unresolved() calls it. `retry_owner` says whose wait it is (a re-subscription may start
    // a second resolution).
    std::function<void()> cancel_retry;
    std::shared_ptr<void> retry_owner;
  };

  boost::asio::awaitable<void> resolve(std::string key);
  void start_informer_locked(Kind& kind);

  boost::asio::io_context& io_;
  kube::Client& client_;
  kube::Discovery& discovery_;
  const InformerManagerOptions options_;

  mutable std::mutex mu_;  // guards everything below
  std::map<std::string, Kind> kinds_;  // by "apiVersion/Kind"
  std::map<SubscriptionId, std::string> subscription_kind_;
  SubscriptionId next_id_ = 1;
  bool stopped_ = false;
};

}  // namespace steward::informer
