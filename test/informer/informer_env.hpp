#pragma once
// What the informer integration tests share: steward-testapi, an io_context on its own thread (as in
// the daemon), a client, discovery and an InformerManager, plus handlers that record what they saw.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <algorithm>
#include <thread>

#include "informer/informer_manager.hpp"
#include "kube/kubeconfig.hpp"
#include "support/async.hpp"
#include "support/testapi_process.hpp"

namespace steward::test {


struct Recorder {
  std::mutex mu;
  std::vector<std::string> seen;
  informer::ResourceEventHandlers handlers() {
    return {[this](const informer::ObjectPtr& o) { record("add " + informer::object_key(*o)); },
            [this](const informer::ObjectPtr&, const informer::ObjectPtr& o) {
              record("update " + informer::object_key(*o));
            },
            [this](const informer::ObjectPtr& o) { record("delete " + informer::object_key(*o)); }};
  }
  void record(std::string what) {
    std::lock_guard guard(mu);
    seen.push_back(std::move(what));
  }
  bool has(const std::string& what) {
    std::lock_guard guard(mu);
    return std::find(seen.begin(), seen.end(), what) != seen.end();
  }
};

inline const kube::ResourceType kNamespaces{"", "v1", "namespaces", "Namespace", false};
inline const kube::ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};
inline const kube::ResourceType kCrds{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                               "CustomResourceDefinition", false};

struct Env {
  TestApiServer server;
  Loop loop;
  kube::Client client;
  kube::Discovery discovery;
  informer::InformerManager manager;

  explicit Env(base::BackoffOptions watch_backoff = {}, kube::ClientOptions client_options = {})
      : client(loop.io, rest_config(), client_options),
        discovery(client, {.min_refresh_interval = std::chrono::milliseconds(100)}),
        manager(loop.io, client, discovery,
                {.watch_backoff = watch_backoff,
                 .unknown_kind_backoff = {.initial = std::chrono::milliseconds(50),
                                          .max = std::chrono::milliseconds(200),
                                          .factor = 2,
                                          .jitter = 0,
                                          .reset_after = {}}}) {}
  kube::RestConfig rest_config() const {
    kube::KubeconfigOptions options;
    options.explicit_path = server.kubeconfig();
    return kube::load_kubeconfig(options);
  }
  ~Env() { manager.stop(); }
};


}  // namespace steward::test
