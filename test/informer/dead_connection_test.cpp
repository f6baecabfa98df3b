// An informer whose watch connection dies without closing (issue 23): a load balancer that drops
// its state leaves both ends' kernels holding the connection open, and nothing arrives. Made here
// with a proxy that goes silent (support/tcp_proxy.hpp) between the informer and steward-testapi.
#include <catch2/catch.hpp>

#include "informer_env.hpp"
#include "support/metrics.hpp"
#include "support/tcp_proxy.hpp"

using namespace steward;
using namespace steward::test;

namespace {

void apply_data(Env& env, const std::string& value) {
  const auto object = json(
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"cut","name":"a"},"data":{"k":")" +
      value + R"("}})");
  REQUIRE(env.loop.sync(env.client.apply(kConfigMaps, "cut", object)).ok());
}

std::string cached_data(const informer::InformerManager& manager) {
  const auto informer = manager.informer("v1", "ConfigMap");
  if (!informer) return "";
  const auto object = informer->store().get("cut", "a");
  return object ? std::string(kube::string_at(*object, {"data", "k"})) : "";
}

// Requests of `verb` ("list", "watch") the client sent, from its latency histogram.
double requests(const prometheus::Registry& registry, const std::string& verb) {
  return metric_value(registry, "rest_client_request_duration_seconds", {{"verb", verb}})
      .value_or(0);
}

}  // namespace

TEST_CASE("a watch whose connection goes silent is watched again from its version within the idle deadline",
          "[testapi]") {
  // Bookmarks every half second keep a live watch from ever being silent for the 3 s deadline, so
  // the one idle restart below is the cut's. After the cut no bookmark gets through either: only
  // the deadline can notice (the watch's own timeout is 5 to 10 minutes away).
  Env env({}, {}, {}, {"--bookmark-interval", "0.5"});
  REQUIRE(env.loop.sync(env.client.create(kNamespaces, "", json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"cut"}})"))).ok());
  apply_data(env, "before");

  // The informer lists and watches through the proxy; discovery and the writes below go direct.
  kube::RestConfig through_proxy = env.rest_config();
  TcpProxy proxy("127.0.0.1", through_proxy.server.port);
  through_proxy.server.port = proxy.port();
  prometheus::Registry proxied_registry;
  kube::ClientOptions proxied_options;
  proxied_options.registry = &proxied_registry;
  kube::Client proxied(env.loop.io, through_proxy, proxied_options);
  informer::InformerManager manager(env.loop.io, proxied, env.discovery,
                                    {.watch_idle_timeout = std::chrono::seconds(3),
                                     .metrics = &env.metrics});
  Recorder recorder;
  manager.subscribe("v1", "ConfigMap", recorder.handlers());
  REQUIRE(eventually([&] { return manager.synced(); }));
  REQUIRE(eventually([&] { return requests(proxied_registry, "watch") == 1; }));
  CHECK(cached_data(manager) == "before");
  const std::size_t connections_before = proxy.accepted();

  proxy.freeze();
  apply_data(env, "after");

  CHECK(eventually([&] { return cached_data(manager) == "after"; }));
  const auto restarts = [&](const std::string& reason) {
    return metric_value(env.registry, "steward_watch_restarts_total",
                        {{"resource", "configmaps"}, {"reason", reason}})
        .value_or(-1);
  };
  CHECK(restarts("idle") == 1);
  CHECK(restarts("error") == 0);
  CHECK(restarts("gone") == 0);
  // Watched again from its version over a new connection: one list in all.
  CHECK(requests(proxied_registry, "list") == 1);
  CHECK(requests(proxied_registry, "watch") == 2);
  CHECK(proxy.accepted() > connections_before);
  const auto informer = manager.informer("v1", "ConfigMap");
  REQUIRE(informer);
  CHECK(informer->health().healthy);

  manager.stop();
  env.loop.halt();  // before the proxied client its handlers use goes
}
