#pragma once
// What the informer integration tests share: steward-testapi, an io_context on its own thread (as in
// the daemon), a client, discovery and an InformerManager, plus handlers that record what they saw.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <algorithm>
#include <map>
#include <thread>

#include <prometheus/registry.h>

#include "informer/informer_manager.hpp"
#include "informer/informer_metrics.hpp"
#include "kube/kubeconfig.hpp"
#include "support/async.hpp"
#include "support/testapi_process.hpp"

namespace steward::test {


struct Recorder {
  std::mutex mu;
  std::vector<std::string> seen;
  std::map<std::string, informer::ObjectPtr> objects;  // the (new) object each event last carried
  informer::ResourceEventHandlers handlers() {
    return {[this](const informer::ObjectPtr& o) { record("add ", o); },
            [this](const informer::ObjectPtr&, const informer::ObjectPtr& o) { record("update ", o); },
            [this](const informer::ObjectPtr& o) { record("delete ", o); }};
  }
  void record(const std::string& event, const informer::ObjectPtr& object) {
    std::string what = event + informer::object_key(*object);
    std::lock_guard guard(mu);
    objects[what] = object;
    seen.push_back(std::move(what));
  }
  bool has(const std::string& what) {
    std::lock_guard guard(mu);
    return std::find(seen.begin(), seen.end(), what) != seen.end();
  }
  informer::ObjectPtr object(const std::string& what) {
    std::lock_guard guard(mu);
    auto it = objects.find(what);
    return it == objects.end() ? nullptr : it->second;
  }
};

inline const kube::ResourceType kNamespaces{"", "v1", "namespaces", "Namespace", false};
inline const kube::ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};
inline const kube::ResourceType kCrds{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                               "CustomResourceDefinition", false};

struct Env {
  TestApiServer server;
  prometheus::Registry registry;
  informer::InformerMetrics metrics{registry};
  Loop loop;
  kube::Client client;
  kube::Discovery discovery;
  informer::InformerManager manager;

  // `server_args`: steward-testapi's options (ignored by a real kube-apiserver).
  explicit Env(base::BackoffOptions watch_backoff = {}, kube::ClientOptions client_options = {},
               std::string label_selector = {}, std::vector<std::string> server_args = {})
      : server(std::move(server_args)),
        client(loop.io, rest_config(), client_options),
        discovery(client, {.min_refresh_interval = std::chrono::milliseconds(100)}),
        manager(loop.io, client, discovery,
                {.label_selector = std::move(label_selector),
                 .watch_backoff = watch_backoff,
                 .unknown_kind_backoff = {.initial = std::chrono::milliseconds(50),
                                          .max = std::chrono::milliseconds(200),
                                          .factor = 2,
                                          .jitter = 0,
                                          .reset_after = {}},
                 .metrics = &metrics}) {}
  kube::RestConfig rest_config() const {
    kube::KubeconfigOptions options;
    options.explicit_path = server.kubeconfig();
    return kube::load_kubeconfig(options);
  }
  ~Env() { manager.stop(); }
};


}  // namespace steward::test
