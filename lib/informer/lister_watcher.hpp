#pragma once
// ListerWatcher: where a reflector lists and watches one resource type. The real one goes through
// the API client; tests script one.

#include <boost/asio/awaitable.hpp>
#include <string>

#include "kube/client.hpp"
#include "kube/watch.hpp"

namespace steward::informer {

class ListerWatcher {
 public:
  virtual ~ListerWatcher() = default;
  virtual boost::asio::awaitable<kube::ListReply> list(const kube::ListOptions& options) = 0;
  virtual boost::asio::awaitable<kube::WatchReply> watch(const kube::WatchOptions& options) = 0;
};

// Lists and watches `type` in `ns` (all namespaces when empty) through `client`.
class ClientListerWatcher final : public ListerWatcher {
 public:
  ClientListerWatcher(kube::Client& client, kube::ResourceType type, std::string ns = {})
      : client_(client), type_(std::move(type)), namespace_(std::move(ns)) {}

  boost::asio::awaitable<kube::ListReply> list(const kube::ListOptions& options) override {
    return client_.list(type_, namespace_, options);
  }
  boost::asio::awaitable<kube::WatchReply> watch(const kube::WatchOptions& options) override {
    return client_.watch(type_, namespace_, options);
  }

 private:
  kube::Client& client_;
  const kube::ResourceType type_;
  const std::string namespace_;
};

}  // namespace steward::informer
