#pragma once
// What the API client's integration tests share: steward-testapi with a client of its own, running
// coroutines to completion on the test's thread, objects to write, and the test server's admin
// endpoints (faults to inject, stats that show the client's connections from the server's side).

#include <catch2/catch.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <string>
#include <vector>

#include "kube/client.hpp"
#include "kube/kubeconfig.hpp"
#include "support/json.hpp"
#include "support/testapi_admin.hpp"  // post_faults
#include "support/testapi_process.hpp"

namespace steward::test {

// Runs one coroutine to completion on `io`.
template <typename T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> work) {
  std::optional<T> out;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, std::move(work), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) out = std::move(value);
  });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*out);
}

inline kube::RestConfig config_for(const TestApiServer& server) {
  kube::KubeconfigOptions options;
  options.explicit_path = server.kubeconfig();
  return kube::load_kubeconfig(options);
}

inline const kube::ResourceType kNamespaces{"", "v1", "namespaces", "Namespace", false};
inline const kube::ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};

inline rapidjson::Document configmap(const std::string& ns, const std::string& name,
                                     const std::string& value = "v") {
  return parse_json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":")" + ns +
              R"(","name":")" + name + R"(","labels":{"app":"t"}},"data":{"k":")" + value + "\"}}");
}

struct Env {
  TestApiServer server;
  boost::asio::io_context io;
  prometheus::Registry registry;
  std::unique_ptr<kube::Client> client;

  explicit Env(std::vector<std::string> args = {}, kube::ClientOptions options = {})
      : server(std::move(args)) {
    options.registry = &registry;
    client = std::make_unique<kube::Client>(io, config_for(server), options);
  }

  void make_namespace(const std::string& name) {
    const auto object = parse_json(
        R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + name + "\"}}");
    auto reply = run(io, client->create(kNamespaces, "", object));
    REQUIRE(reply.ok());
  }

  std::string metrics() const {
    return prometheus::TextSerializer().Serialize(registry.Collect());
  }
};

// GET /_testapi/stats (test/apiserver/README.md): what the server saw of its clients.
struct TestApiStats {
  int connections_accepted = -1;
  int connections_open = -1;
  std::map<std::string, int> discovery_requests;  // by path
  int discovery(const std::string& path) const {
    const auto it = discovery_requests.find(path);
    return it == discovery_requests.end() ? 0 : it->second;
  }
};

inline TestApiStats parse_stats(const std::string& body) {
  const auto doc = parse_json(body);
  TestApiStats stats;
  stats.connections_accepted = doc["connectionsAccepted"].GetInt();
  stats.connections_open = doc["connectionsOpen"].GetInt();
  for (const auto& [path, count] : doc["discoveryRequests"].GetObject()) {
    stats.discovery_requests[path.GetString()] = count.GetInt();
  }
  return stats;
}

// Asked through `client`, so on one of its pooled connections: the answer counts that one too.
inline boost::asio::awaitable<TestApiStats> read_stats(kube::Client& client) {
  kube::HttpRequest get{.method = "GET", .target = "/_testapi/stats", .verb = "get"};
  kube::Reply reply = co_await client.request(std::move(get));
  REQUIRE(reply.ok());
  co_return parse_stats(reply.response.body);
}

inline TestApiStats testapi_stats(boost::asio::io_context& io, kube::Client& client) {
  return run(io, read_stats(client));
}

}  // namespace steward::test
